"""Public search over published listings: jieba tokens, filters, relevance, highlighting.

Each process keeps an in-memory columnar index per side (scenario, capability) built from
the stored search documents and following the same change feed as the matching index
(match_changes), so filters, sorting and paging cost a few numpy passes at 100,000 listings
on SQLite and PostgreSQL alike; only the rows of the page shown are read from the database.
"""
