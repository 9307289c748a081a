"""Public search over published listings: jieba tokens, filters, relevance, highlighting.

Search runs in the database (docs/architecture.md): each published listing's jieba tokens and
their parts are stored (documents.py, lexemes.py) and indexed by PostgreSQL's GIN or SQLite's
FTS5 (fulltext.py); services.py turns a list page's filters and words into SQL. No process
keeps an index, so nothing is followed or rebuilt per process.
"""
