"""Search in the database: token parts, a weighted tsvector (PostgreSQL) or FTS5 (SQLite).

search_documents gains title_parts and body_parts: each token's substrings of 2 to 12
characters (app/search/lexemes.py), so a typed word finds the words that contain it; rows
already stored get theirs here. PostgreSQL then derives a generated tsvector column,
`lexemes`, from the four columns (one weight letter and position per column: title tokens
A, title parts B, body tokens C, body parts D), built from the stored words as quoted
lexemes with no text parser, and a GIN index per side. SQLite gets an FTS5 table per side
over the same four columns (ascii tokenizer with every ASCII punctuation a token character,
so one stored word is one FTS5 term), reading its content from a per-side view and kept in
step by triggers on search_documents: whatever writes a row (the ORM, a bulk insert, a shell)
updates the index in the same statement. Downgrade drops all of it.

Listings published without a stored document (rows loaded by scripts before this revision)
are found by their filters but not by words until `flask --app app match rebuild
--refeaturize` cuts them.

Revision ID: 58422a23da75
Revises: f1b9de1ddadb
Create Date: 2026-12-07 06:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '58422a23da75'
down_revision = 'f1b9de1ddadb'
branch_labels = None
depends_on = None

SIDES = ('scenario', 'capability')
COLUMNS = ('title_tokens', 'title_parts', 'body_tokens', 'body_parts')
# every printable ASCII punctuation character is part of a word: only spaces separate
FTS_TOKENIZER = (
    "'ascii tokenchars ''!\"#$%&''''()*+,-./:;<=>?@[\\]^_`{|}~'''"
)

# Each stored word becomes a lexeme prefixed with its column's class digit (1 title tokens,
# 2 title parts, 3 body tokens, 4 body parts): GIN then keeps one posting list per word and
# class. array_to_tsvector takes the words as they are (no text parser, no quoting); it
# refuses empty strings, and PostgreSQL refuses lexemes of 2 KB or more.
SEARCH_VECTOR = r"""
CREATE FUNCTION search_vector(title_tokens text, title_parts text, body_tokens text, body_parts text)
RETURNS tsvector LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT array_to_tsvector(ARRAY(
    SELECT class || word FROM (
      SELECT '1' AS class, unnest(string_to_array(title_tokens, ' ')) AS word
      UNION ALL SELECT '2', unnest(string_to_array(title_parts, ' '))
      UNION ALL SELECT '3', unnest(string_to_array(body_tokens, ' '))
      UNION ALL SELECT '4', unnest(string_to_array(body_parts, ' '))
    ) AS stored
    WHERE word <> '' AND octet_length(word) < 2000
  ))
$$
"""

MIN_PART, MAX_PART, MAX_PART_SOURCE, MAX_LEXEME_BYTES = 2, 12, 24, 2000


def _parts(joined):
    """app.search.lexemes.joined_parts as of this revision (migrations do not import the app)."""
    tokens = [w for w in joined.split(' ') if w and len(w.encode()) <= MAX_LEXEME_BYTES]
    whole, found = set(tokens), {}
    for token in tokens:
        if len(token) > MAX_PART_SOURCE:
            continue
        for length in range(MIN_PART, min(len(token) - 1, MAX_PART) + 1):
            for start in range(len(token) - length + 1):
                piece = token[start:start + length]
                if piece not in whole:
                    found[piece] = None
    return ' '.join(found)


def _fill_parts():
    documents = sa.table(
        'search_documents', *(sa.column(c) for c in ('side', 'listing_id', *COLUMNS))
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(documents.c.side, documents.c.listing_id, documents.c.title_tokens, documents.c.body_tokens)
    ).all()
    for side, listing_id, title, body in rows:
        connection.execute(
            documents.update()
            .where(documents.c.side == side, documents.c.listing_id == listing_id)
            .values(title_parts=_parts(title), body_parts=_parts(body))
        )


def _postgresql_upgrade():
    op.execute(SEARCH_VECTOR)
    # Rows of about 100 bytes: the words and the vector go to TOAST, so the bitmap heap
    # scan behind a search (ids of the matching rows) reads ~1,000 pages per 100,000
    # listings instead of ~15,000. Set first: adding the column rewrites every row.
    op.execute("ALTER TABLE search_documents SET (toast_tuple_target = 128)")
    op.execute(
        "ALTER TABLE search_documents ADD COLUMN lexemes tsvector GENERATED ALWAYS AS "
        "(search_vector(title_tokens, title_parts, body_tokens, body_parts)) STORED"
    )
    # No statistics on the vector: the planner then assumes a word is rare (0.5%) and always
    # reads the GIN index. With statistics it seq-scans for a common word (数据 is in 88%
    # of the benchmark's listings) and de-TOASTs every vector: two seconds instead of 15 ms.
    op.execute("ALTER TABLE search_documents ALTER COLUMN lexemes SET STATISTICS 0")
    for side in SIDES:
        # one index per side: a query reads only its own side's postings
        op.execute(
            f"CREATE INDEX ix_search_documents_{side}_lexemes ON search_documents "
            f"USING gin (lexemes) WHERE side = '{side}'"
        )


def _sqlite_upgrade():
    columns = ', '.join(COLUMNS)
    for side in SIDES:
        op.execute(
            f"CREATE VIEW search_content_{side} AS SELECT listing_id, {columns} "
            f"FROM search_documents WHERE side = '{side}'"
        )
        # detail=column: which column holds a term (exact or partial, title or body) is
        # all the ranking reads; positions would only make the index bigger
        op.execute(
            f"CREATE VIRTUAL TABLE search_fts_{side} USING fts5({columns}, "
            f"content='search_content_{side}', content_rowid='listing_id', "
            f"detail=column, tokenize={FTS_TOKENIZER})"
        )
        op.execute(f"INSERT INTO search_fts_{side}(search_fts_{side}) VALUES ('rebuild')")
    new = ', '.join(f'new.{c}' for c in COLUMNS)
    old = ', '.join(f'old.{c}' for c in COLUMNS)
    insert = ' '.join(
        f"INSERT INTO search_fts_{side}(rowid, {columns}) "
        f"SELECT new.listing_id, {new} WHERE new.side = '{side}';"
        for side in SIDES
    )
    delete = ' '.join(
        f"INSERT INTO search_fts_{side}(search_fts_{side}, rowid, {columns}) "
        f"SELECT 'delete', old.listing_id, {old} WHERE old.side = '{side}';"
        for side in SIDES
    )
    op.execute(f"CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN {insert} END")
    op.execute(f"CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN {delete} END")
    op.execute(
        f"CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN {delete} {insert} END"
    )


def upgrade():
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_parts', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('body_parts', sa.Text(), nullable=False, server_default=''))
    _fill_parts()
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.alter_column('title_parts', server_default=None)
        batch_op.alter_column('body_parts', server_default=None)
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        _postgresql_upgrade()
    elif dialect == 'sqlite':
        _sqlite_upgrade()


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        for side in SIDES:
            op.execute(f'DROP INDEX ix_search_documents_{side}_lexemes')
        op.execute('ALTER TABLE search_documents DROP COLUMN lexemes')
        op.execute('DROP FUNCTION search_vector(text, text, text, text)')
        op.execute('ALTER TABLE search_documents RESET (toast_tuple_target)')
    elif dialect == 'sqlite':
        for trigger in ('ai', 'ad', 'au'):
            op.execute(f'DROP TRIGGER search_documents_{trigger}')
        for side in SIDES:
            op.execute(f'DROP TABLE search_fts_{side}')
            op.execute(f'DROP VIEW search_content_{side}')
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_column('body_parts')
        batch_op.drop_column('title_parts')
