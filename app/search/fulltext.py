"""The full-text part of a search, in the SQL of each database: which listings hold a term.

PostgreSQL: search_documents.lexemes, a tsvector generated from the stored words, each one
prefixed with the digit of its class (1 title token, 2 title part, 3 body token, 4 body
part); a GIN index per side. SQLite: an FTS5 table per side whose four columns are the four
classes. Both answer "which listings hold this term, in these classes" from the index's
posting lists alone, without reading any stored document:

* A weight letter (setweight) lives in a lexeme's positions, which GIN does not index, so
  a weight-restricted query ('医保':A) re-reads every candidate's vector from TOAST; at
  100,000 listings a common word costs a second. The class digit makes each class its own
  posting list instead, and relevance weighs the classes in SQL (app.search.services).
* The lexemes are the stored jieba words themselves, quoted (app.search.lexemes): neither
  query nor index goes through PostgreSQL's text parser or FTS5's word splitting.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR

from app.search.lexemes import CLASSES, can_be_part, fts5_phrase, tsquery_lexeme

# search_documents.lexemes exists on PostgreSQL only (a generated column the migration
# adds), so it is described here rather than on the model
DOCUMENTS = sa.table(
    "search_documents",
    sa.column("side", sa.String),
    sa.column("listing_id", sa.Integer),
    sa.column("lexemes", TSVECTOR),
)
CLASS_DIGITS = {name: str(n) for n, name in enumerate(CLASSES, start=1)}


def classes_of(term: str) -> tuple[str, ...]:
    """The classes that can hold a term (parts are two to MAX_PART characters long)."""
    if can_be_part(term):
        return CLASSES
    return tuple(c for c in CLASSES if c.endswith("_tokens"))


def fts_table(side: str) -> sa.TableClause:
    """A side's FTS5 table (SQLite), with its rowid (the listing id)."""
    name = f"search_fts_{side}"
    return sa.table(name, sa.column("rowid", sa.Integer), sa.column(name, sa.String))


class FullText:
    """Listing-id sets for terms, as subqueries of one database's SQL."""

    def __init__(self, side: str) -> None:
        self.side = side

    def holding_all(self, terms: Sequence[str]) -> sa.Select:
        """Ids of the listings holding every term (each in any class)."""
        raise NotImplementedError

    def holding(self, term: str, classes: Iterable[str], within: Sequence[str] = ()) -> sa.Select:
        """Ids of the listings holding a term in one of the classes (and, when given, every
        term of `within` in any class: the set is then no bigger than the results)."""
        raise NotImplementedError


class PostgresFullText(FullText):
    """GIN lookups of class-prefixed lexemes in search_documents.lexemes."""

    def _query(self, text: str) -> sa.Select:
        # the side is written into the SQL (it is one of two fixed words) so that the
        # planner can use the partial GIN index of that side even in a generic plan
        side = sa.literal_column(f"'{self.side}'")
        match = DOCUMENTS.c.lexemes.op("@@")(sa.cast(sa.literal(text), TSQUERY))
        return sa.select(DOCUMENTS.c.listing_id).where(DOCUMENTS.c.side == side, match)

    @staticmethod
    def _any_class(term: str, classes: Iterable[str]) -> str:
        lexemes = [tsquery_lexeme(CLASS_DIGITS[c] + term) for c in classes]
        return "(" + " | ".join(lexemes) + ")"

    def _all(self, terms: Sequence[str]) -> str:
        return " & ".join(self._any_class(t, classes_of(t)) for t in terms)

    def holding_all(self, terms: Sequence[str]) -> sa.Select:
        return self._query(self._all(terms))

    def holding(self, term: str, classes: Iterable[str], within: Sequence[str] = ()) -> sa.Select:
        text = self._any_class(term, classes)
        return self._query(f"{text} & {self._all(within)}" if within else text)


class SqliteFullText(FullText):
    """FTS5 queries of the side's table (its columns are the classes)."""

    def _query(self, text: str) -> sa.Select:
        table = fts_table(self.side)
        match = table.c[table.name].op("MATCH")(sa.literal(text))
        return sa.select(table.c.rowid).where(match)

    @staticmethod
    def _all(terms: Sequence[str]) -> str:
        return " AND ".join(fts5_phrase(t) for t in terms)

    def holding_all(self, terms: Sequence[str]) -> sa.Select:
        return self._query(self._all(terms))

    def holding(self, term: str, classes: Iterable[str], within: Sequence[str] = ()) -> sa.Select:
        text = "{" + " ".join(classes) + "} : " + fts5_phrase(term)
        return self._query(f"{text} AND {self._all(within)}" if within else text)


def full_text(dialect: str, side: str) -> FullText:
    """The full-text queries of one database."""
    if dialect == "postgresql":
        return PostgresFullText(side)
    if dialect == "sqlite":
        return SqliteFullText(side)
    raise NotImplementedError(f"search needs PostgreSQL or SQLite, not {dialect}")
