"""The full-text part of a search, in the SQL of each database: which listings hold a term.

PostgreSQL: search_documents.lexemes, a tsvector the database generates from the stored
words (search_vector(), created by the migration), each prefixed with its class digit
(1 title token, 2 title part, 3 body token, 4 body part), and a GIN index on it per side.
SQLite: an FTS5 table per side whose four columns are the four classes. Both answer "which
listings hold this term, in these classes" from the index's posting lists, without reading
a stored document:

* A weight letter (setweight) lives in a lexeme's positions, which GIN does not index, so
  a weight-restricted query ('医保':A) re-reads every candidate's vector; NOT (!) does the
  same. At 100,000 listings a common word then costs 40 ms to a second. The class digit
  makes each class its own posting list instead; a class is chosen with OR, levels of
  classes are differences of sets (app.search.words), never NOT.
* The lexemes are the stored jieba words themselves, quoted (app.lexemes): neither
  query nor index goes through PostgreSQL's text parser or FTS5's word splitting.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR

from app.lexemes import CLASSES, can_be_part, fts5_phrase, tsquery_lexeme

# search_documents.lexemes exists on PostgreSQL only (a generated column the migration adds),
# so it is described here rather than on the model
DOCUMENTS = sa.table(
    "search_documents",
    sa.column("side", sa.String),
    sa.column("listing_id", sa.Integer),
    sa.column("lexemes", TSVECTOR),
)
CLASS_DIGITS = {name: str(n) for n, name in enumerate(CLASSES, start=1)}


def classes_of(term: str) -> tuple[str, ...]:
    """The classes that can hold a term, best first (parts are 2 to MAX_PART characters)."""
    if can_be_part(term):
        return CLASSES
    return tuple(c for c in CLASSES if c.endswith("_tokens"))


def allowed_classes(term: str, allowed: Iterable[str] | None) -> tuple[str, ...]:
    """The classes a term is looked up in: those allowed (all when None) that can hold it."""
    return tuple(c for c in classes_of(term) if allowed is None or c in allowed)


class FullText:
    """Listing-id sets for terms, as SQL of one database.

    A set is "the listings holding every term, each in one of the allowed classes" (any
    class when allowed is None). Every allowed list includes title_tokens, so no term is
    ever left with no class to be found in.
    """

    def __init__(self, side: str) -> None:
        self.side = side

    def holding(self, terms: Sequence[str], allowed: Iterable[str] | None = None) -> sa.Select:
        """The ids of the set, from the index's posting lists."""
        raise NotImplementedError

    def holds(
        self,
        listing_id: sa.SQLColumnExpression[int],
        terms: Sequence[str],
        allowed: Iterable[str] | None = None,
    ) -> sa.ColumnElement[bool]:
        """Whether one listing is in the set: one probe per row, for the few rows of a
        correction (a scalar subquery: the planner cannot turn it into a join that would
        read the whole set)."""
        raise NotImplementedError

    def any_holding(self, terms: Sequence[str], name: str) -> sa.ColumnElement[bool]:
        """Whether any listing is in the set (`name`: unique within the statement)."""
        return sa.exists(self.holding(terms))


class PostgresFullText(FullText):
    """GIN lookups of class-prefixed lexemes in search_vector(...)."""

    def _side(self) -> sa.ColumnElement[bool]:
        # written into the SQL (one of two fixed words), so that the planner uses the
        # partial GIN index of that side even in a generic plan
        return DOCUMENTS.c.side == sa.literal_column(f"'{self.side}'")

    @staticmethod
    def _matches(terms: Sequence[str], allowed: Iterable[str] | None) -> sa.ColumnElement[bool]:
        query = " & ".join(
            "("
            + " | ".join(tsquery_lexeme(CLASS_DIGITS[c] + t) for c in allowed_classes(t, allowed))
            + ")"
            for t in terms
        )
        return DOCUMENTS.c.lexemes.op("@@")(sa.cast(sa.literal(query), TSQUERY))

    def holding(self, terms: Sequence[str], allowed: Iterable[str] | None = None) -> sa.Select:
        return sa.select(DOCUMENTS.c.listing_id).where(self._side(), self._matches(terms, allowed))

    def holds(
        self,
        listing_id: sa.SQLColumnExpression[int],
        terms: Sequence[str],
        allowed: Iterable[str] | None = None,
    ) -> sa.ColumnElement[bool]:
        found = (
            sa.select(self._matches(terms, allowed))
            .where(self._side(), DOCUMENTS.c.listing_id == listing_id)
            .scalar_subquery()
        )
        return found.is_(sa.true())

    def any_holding(self, terms: Sequence[str], name: str) -> sa.ColumnElement[bool]:
        # EXISTS alone is planned to stop at the first row: the planner expects some 2 % of
        # the vectors to match and reads them in order, so a word no listing holds read all
        # 100,000 of them (0.7 s). A materialized set is planned whole: the GIN index, 0.2 ms.
        found = self.holding(terms).cte(name).prefix_with("MATERIALIZED")
        return sa.exists(sa.select(found.c.listing_id))


class SqliteFullText(FullText):
    """FTS5 queries of the side's table (its columns are the classes)."""

    def _table(self) -> sa.TableClause:
        name = f"search_fts_{self.side}"
        return sa.table(name, sa.column("rowid", sa.Integer), sa.column(name, sa.String))

    def _matches(
        self, table: sa.TableClause, terms: Sequence[str], allowed: Iterable[str] | None
    ) -> sa.ColumnElement[bool]:
        if allowed is None:  # no column filter: every column
            query = " AND ".join(fts5_phrase(t) for t in terms)
        else:
            query = " AND ".join(
                "{" + " ".join(allowed_classes(t, allowed)) + "} : " + fts5_phrase(t) for t in terms
            )
        return table.c[table.name].op("MATCH")(sa.literal(query))

    def holding(self, terms: Sequence[str], allowed: Iterable[str] | None = None) -> sa.Select:
        table = self._table()
        return sa.select(table.c.rowid).where(self._matches(table, terms, allowed))

    def holds(
        self,
        listing_id: sa.SQLColumnExpression[int],
        terms: Sequence[str],
        allowed: Iterable[str] | None = None,
    ) -> sa.ColumnElement[bool]:
        table = self._table()
        found = (
            sa.select(sa.literal(1))
            .where(self._matches(table, terms, allowed), table.c.rowid == listing_id)
            .scalar_subquery()
        )
        return found.is_not(None)


def full_text(dialect: str, side: str) -> FullText:
    """The full-text queries of one database."""
    if dialect == "postgresql":
        return PostgresFullText(side)
    if dialect == "sqlite":
        return SqliteFullText(side)
    raise NotImplementedError(f"search needs PostgreSQL or SQLite, not {dialect}")
