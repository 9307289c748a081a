"""Search in the database: token parts, a GIN index (PostgreSQL) or FTS5 (SQLite), list indexes.

search_documents gains title_parts and body_parts: each token's substrings of 2 to 12
characters (app/search/lexemes.py), so a typed word finds the words that contain it; rows
already stored get theirs here. Rows of listings that are not published are deleted, and
triggers on scenarios and capabilities delete a listing's row when it leaves publication
or is deleted, so the full-text index holds published listings only and a search counts
its results from the index alone. The same triggers keep listing_counts: how many listings
of each side are published, the total of an unfiltered list page and the home page's
figures (a TRUNCATE would bypass them: the counts are computed here from the tables).

PostgreSQL: lexemes, a generated tsvector column computed by search_vector(), an immutable
SQL function turning the four columns into class-prefixed lexemes (1 title tokens, 2 title
parts, 3 body tokens, 4 body parts) with array_to_tsvector (the stored words as they are:
no text parser), and a GIN index on it per side. The rows are kept to ~100 bytes inline
(toast_tuple_target) so bitmap scans read few pages. SQLite: an FTS5 table per side over
the same four columns (ascii tokenizer with every ASCII punctuation a token character: one
stored word is one term), reading its content from a per-side view and kept in step by
triggers on search_documents. Either way, whatever writes a row (the ORM, a bulk insert, a shell)
updates the index in the same statement.

List pages: indexes for the newest-first, deadline and budget orders of published scenarios
and the newest-first order of published capabilities (the deadline index also finds
published scenarios whose deadline passed before the expiry sweep), and narrow indexes on
which a filter given as a set of ids (a tag, search words) checks each listing.

Listings published without a stored document (rows loaded by scripts before this revision)
are listed and filtered but not found by words until `flask --app app match rebuild
--refeaturize` cuts them. Downgrade drops all of it (the deleted rows of unpublished
listings are not restored: they were never searched).

On SQLite, a later batch migration that recreates search_documents, scenarios or
capabilities (alter or drop a column) must drop and recreate these views and triggers:
SQLite refuses to rename a table a view reads, and drops a table's triggers with it
(tests/integration/test_migrations.py checks they exist at head).

Revision ID: 58422a23da75
Revises: b18296b57dbc
Create Date: 2026-12-07 06:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '58422a23da75'
down_revision = 'b18296b57dbc'
branch_labels = None
depends_on = None

SIDES = {'scenario': 'scenarios', 'capability': 'capabilities'}
COLUMNS = ('title_tokens', 'title_parts', 'body_tokens', 'body_parts')
# every printable ASCII punctuation character is part of a word: only spaces separate
FTS_TOKENIZER = (
    "'ascii tokenchars ''!\"#$%&''''()*+,-./:;<=>?@[\\]^_`{|}~'''"
)

# Each stored word becomes a lexeme prefixed with its column's class digit: GIN keeps one
# posting list per word and class, so "title words only" is an index lookup (a weight
# letter is not indexed: 'x':A re-reads every candidate's vector). array_to_tsvector takes
# the words as they are; it refuses empty strings, and PostgreSQL lexemes of 2 KB or more.
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

# When a listing leaves publication (or is deleted) its search row goes: search_documents
# holds published listings only.
LISTING_UNLISTED = r"""
CREATE FUNCTION listing_unlisted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR NEW.status <> 'published' THEN
    DELETE FROM search_documents WHERE side = TG_ARGV[0] AND listing_id = OLD.id;
  END IF;
  RETURN NULL;
END
$$
"""

# listing_counts keeps how many listings of a side are published, as rows of changes whose sum
# is the count: a statement that publishes or withdraws listings adds one row (from its
# transition tables: a row trigger would add one per listing). Rows are only ever added, so
# two transactions publishing at once never wait for each other on a counter row (a single
# row per side would serialise every publication, bulk approvals' whole batches included);
# the search.compact_counts job folds them into one row per side now and then.
COUNT_PUBLISHED = r"""
CREATE FUNCTION listing_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  change integer := 0;
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    change := change + (SELECT count(*) FROM new_rows WHERE status = 'published');
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    change := change - (SELECT count(*) FROM old_rows WHERE status = 'published');
  END IF;
  IF change <> 0 THEN
    INSERT INTO listing_counts (side, published) VALUES (TG_ARGV[0], change);
  END IF;
  RETURN NULL;
END
$$
"""

COUNTED_EVENTS = {
    'INSERT': 'NEW TABLE AS new_rows',
    'UPDATE': 'OLD TABLE AS old_rows NEW TABLE AS new_rows',
    'DELETE': 'OLD TABLE AS old_rows',
}

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


def _keep_published_and_fill_parts():
    for side, table in SIDES.items():
        op.execute(
            f"DELETE FROM search_documents WHERE side = '{side}' AND listing_id NOT IN "
            f"(SELECT id FROM {table} WHERE status = 'published')"
        )
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


def _list_indexes():
    budget_high = 'coalesce(budget_max_wan, budget_wan)'
    with op.batch_alter_table('scenarios', schema=None) as batch_op:
        # newest first (deadline included: the open check is read from the index)
        batch_op.create_index('ix_scenarios_list_newest', ['status', 'published_at', 'id', 'deadline'], unique=False)
        # soonest deadline first, none last; also the published ones past their deadline
        batch_op.create_index('ix_scenarios_list_deadline', ['status', 'deadline', sa.text('published_at DESC'), sa.text('id DESC')], unique=False)
        # highest budget first, 面议 last (the IS NULL key orders NULLs alike on both databases)
        batch_op.create_index(
            'ix_scenarios_list_budget',
            ['status', sa.text(f'({budget_high} IS NULL)'), sa.text(f'{budget_high} DESC'), sa.text('published_at DESC'), sa.text('id DESC')],
            unique=False,
        )
        # a domain and district, newest first
        batch_op.create_index('ix_scenarios_list_place', ['status', 'domain', 'district', 'published_at', 'id', 'deadline'], unique=False)
        # every filter's column by id: a filter given as a set of ids (a tag, search words)
        # checks each scenario here, and counts scan it instead of the table
        batch_op.create_index('ix_scenarios_list_filters', ['status', 'id', 'deadline', 'budget_wan', 'budget_max_wan', 'domain', 'district', 'opening_method', 'organization_id'], unique=False)
    with op.batch_alter_table('capabilities', schema=None) as batch_op:
        batch_op.create_index('ix_capabilities_list_newest', ['status', 'published_at', 'id', 'organization_id'], unique=False)
        batch_op.create_index('ix_capabilities_list_filters', ['status', 'id', 'organization_id'], unique=False)


def _drop_list_indexes():
    with op.batch_alter_table('capabilities', schema=None) as batch_op:
        batch_op.drop_index('ix_capabilities_list_filters')
        batch_op.drop_index('ix_capabilities_list_newest')
    with op.batch_alter_table('scenarios', schema=None) as batch_op:
        batch_op.drop_index('ix_scenarios_list_filters')
        batch_op.drop_index('ix_scenarios_list_place')
        batch_op.drop_index('ix_scenarios_list_budget')
        batch_op.drop_index('ix_scenarios_list_deadline')
        batch_op.drop_index('ix_scenarios_list_newest')


def _postgresql_upgrade():
    op.execute(SEARCH_VECTOR)
    # The vector is stored (a generated column): a listing's words and vector together pass
    # 2 KB, so with toast_tuple_target they all go to TOAST and a row keeps ~100 bytes. The
    # bitmap heap scan behind a search (visibility of each match) then reads ~1,700 pages
    # per 100,000 listings instead of ~17,000, and checking one listing reads its stored
    # vector instead of computing it again.
    op.execute(
        "ALTER TABLE search_documents ADD COLUMN lexemes tsvector GENERATED ALWAYS AS "
        "(search_vector(title_tokens, title_parts, body_tokens, body_parts)) STORED"
    )
    # No statistics on the vector: the planner then takes any word for a rare one (0.5%) and
    # always reads the GIN index. With them it scans the table for a common word (数据 is in
    # 88% of the benchmark's listings) and decompresses every vector: two seconds instead of
    # 20 ms (it does not cost reading TOAST). The search code picks its plans by the counts
    # it reads first (app/search/services.py).
    op.execute("ALTER TABLE search_documents ALTER COLUMN lexemes SET STATISTICS 0")
    for side in SIDES:
        # one index per side (the side is written into the queries): a search reads only
        # its own side's postings
        op.execute(
            f"CREATE INDEX ix_search_documents_{side}_lexemes ON search_documents "
            f"USING gin (lexemes) WHERE side = '{side}'"
        )
    op.execute(LISTING_UNLISTED)
    op.execute(COUNT_PUBLISHED)
    for side, table in SIDES.items():
        op.execute(
            f"CREATE TRIGGER {table}_unlisted AFTER UPDATE OF status OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION listing_unlisted('{side}')"
        )
        # a trigger with transition tables has one event
        for event, tables in COUNTED_EVENTS.items():
            op.execute(
                f"CREATE TRIGGER {table}_counted_{event.lower()} AFTER {event} ON {table} "
                f"REFERENCING {tables} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION listing_counts_follow('{side}')"
            )


def _postgresql_downgrade():
    for table in SIDES.values():
        op.execute(f'DROP TRIGGER {table}_unlisted ON {table}')
        for event in COUNTED_EVENTS:
            op.execute(f'DROP TRIGGER {table}_counted_{event.lower()} ON {table}')
    op.execute('DROP FUNCTION listing_counts_follow()')
    op.execute('DROP FUNCTION listing_unlisted()')
    for side in SIDES:
        op.execute(f'DROP INDEX ix_search_documents_{side}_lexemes')
    op.execute('ALTER TABLE search_documents DROP COLUMN lexemes')
    op.execute('DROP FUNCTION search_vector(text, text, text, text)')
    op.execute('ALTER TABLE search_documents RESET (toast_tuple_target)')


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
    for side, table in SIDES.items():
        unlisted = f"DELETE FROM search_documents WHERE side = '{side}' AND listing_id = old.id;"
        count = (
            f"INSERT INTO listing_counts (side, published) SELECT '{side}', {{0}} "
            f"WHERE {{0}} <> 0;"
        )
        op.execute(
            f"CREATE TRIGGER {table}_inserted AFTER INSERT ON {table} BEGIN "
            + count.format("(new.status = 'published')") + " END"
        )
        op.execute(
            f"CREATE TRIGGER {table}_status_changed AFTER UPDATE OF status ON {table} BEGIN "
            + count.format("(new.status = 'published') - (old.status = 'published')")
            + f" DELETE FROM search_documents WHERE new.status <> 'published' AND side = '{side}' "
            "AND listing_id = old.id; END"
        )
        op.execute(
            f"CREATE TRIGGER {table}_deleted AFTER DELETE ON {table} BEGIN "
            + count.format("- (old.status = 'published')") + f" {unlisted} END"
        )


def _sqlite_downgrade():
    for table in SIDES.values():
        for trigger in ('inserted', 'status_changed', 'deleted'):
            op.execute(f'DROP TRIGGER {table}_{trigger}')
    for trigger in ('ai', 'ad', 'au'):
        op.execute(f'DROP TRIGGER search_documents_{trigger}')
    for side in SIDES:
        op.execute(f'DROP TABLE search_fts_{side}')
        op.execute(f'DROP VIEW search_content_{side}')


def _listing_counts():
    op.create_table('listing_counts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('side', sa.String(length=20), nullable=False),
    sa.Column('published', sa.Integer(), nullable=False),
    sa.CheckConstraint("side IN ('scenario', 'capability')", name=op.f('ck_listing_counts_side')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listing_counts'))
    )
    with op.batch_alter_table('listing_counts', schema=None) as batch_op:
        batch_op.create_index('ix_listing_counts_side_published', ['side', 'published'], unique=False)
    for side, table in SIDES.items():
        op.execute(
            f"INSERT INTO listing_counts (side, published) "
            f"SELECT '{side}', count(*) FROM {table} WHERE status = 'published'"
        )


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        # a row past 2 KB keeps ~100 bytes inline (see _postgresql_upgrade); set before the
        # rows are rewritten below
        op.execute("ALTER TABLE search_documents SET (toast_tuple_target = 128)")
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_parts', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('body_parts', sa.Text(), nullable=False, server_default=''))
    _keep_published_and_fill_parts()
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.alter_column('title_parts', server_default=None)
        batch_op.alter_column('body_parts', server_default=None)
    _list_indexes()
    _listing_counts()
    if dialect == 'postgresql':
        _postgresql_upgrade()
    elif dialect == 'sqlite':
        _sqlite_upgrade()


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        _postgresql_downgrade()
    elif dialect == 'sqlite':
        _sqlite_downgrade()
    op.drop_table('listing_counts')
    _drop_list_indexes()
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_column('body_parts')
        batch_op.drop_column('title_parts')
