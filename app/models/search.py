"""Public search: each published listing's stored tokens, and users' saved searches."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, validates

from app.models.base import Base, TimestampMixin
from app.search.lexemes import joined_parts

SEARCH_SIDES = ("scenario", "capability")

# What the migration builds on one database only, derived from search_documents by the
# database itself so that every writer (the ORM, bulk inserts, a SQL shell) keeps search in
# step. PostgreSQL: the generated tsvector column and a GIN index per side (and the function
# behind the column). SQLite: an FTS5 table per side with its shadow tables, triggers, and a
# view per side it reads its content through. The models cannot declare a column or a
# virtual table that exists on one database only, so the schema comparison leaves these
# names out (include_object) and tests/integration/test_migrations.py checks them itself.
FTS_TABLES = tuple(f"search_fts_{side}" for side in SEARCH_SIDES)
FTS5_SHADOWS = ("_data", "_idx", "_docsize", "_config")
DATABASE_ONLY = {
    "table": {*FTS_TABLES, *(t + suffix for t in FTS_TABLES for suffix in FTS5_SHADOWS)},
    "column": {"search_documents.lexemes"},
    "index": {f"ix_search_documents_{side}_lexemes" for side in SEARCH_SIDES},
}


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic's filter: compare everything but the database-only search objects."""
    if type_ == "column":
        name = f"{obj.table.name}.{name}"
    return name not in DATABASE_ONLY.get(type_, set())


class SearchDocument(Base):
    """A listing's jieba tokens, cut once when it is published, and their parts.

    The parts (substrings, app.search.lexemes) are set whenever the tokens are, so a row is
    never searchable by stale fragments.
    """

    __tablename__ = "search_documents"
    __table_args__ = (sa.CheckConstraint("side IN ('scenario', 'capability')", name="side"),)

    side: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    listing_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # space-joined distinct tokens of the title, and of everything else people search for
    title_tokens: Mapped[str] = mapped_column(sa.Text, default="")
    body_tokens: Mapped[str] = mapped_column(sa.Text, default="")
    # space-joined substrings of those tokens, so a typed word finds the words holding it
    title_parts: Mapped[str] = mapped_column(sa.Text, default="")
    body_parts: Mapped[str] = mapped_column(sa.Text, default="")

    @validates("title_tokens", "body_tokens")
    def _cut_parts(self, key: str, value: str) -> str:
        """Keep the parts of the tokens being set in step with them."""
        setattr(self, key.replace("_tokens", "_parts"), joined_parts(value or ""))
        return value


class SavedSearch(TimestampMixin, Base):
    """A search a signed-in user kept, optionally alerting them to new matching listings."""

    __tablename__ = "saved_searches"
    __table_args__ = (
        sa.CheckConstraint("side IN ('scenario', 'capability')", name="side"),
        sa.UniqueConstraint("user_id", "side", "query"),
        sa.Index("ix_saved_searches_side_alerts", "side", "alerts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    side: Mapped[str] = mapped_column(sa.String(20))
    # the canonical query string of the filters (app.search.filters.Filters.to_query)
    query: Mapped[str] = mapped_column(sa.String(500), default="")
    alerts: Mapped[bool] = mapped_column(default=True)
    last_hit_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    @property
    def path(self) -> str:
        """The list page showing this search."""
        base = "/scenarios" if self.side == "scenario" else "/capabilities"
        return f"{base}?{self.query}" if self.query else base
