"""Public search: each published listing's stored tokens, and users' saved searches."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, validates

from app.lexemes import joined_parts
from app.models.base import Base, TimestampMixin
from app.models.listing import Capability, Scenario

SEARCH_SIDES = ("scenario", "capability")


def budget_high() -> sa.ColumnElement:
    """The top of a scenario's budget: the end of its range, else its amount (万元)."""
    return sa.func.coalesce(Scenario.budget_max_wan, Scenario.budget_wan)


# The orders of the public list pages (app.search.services.sort_keys), each an index a page
# walks from either end, stopping at the page: no sort, however deep the page.
LIST_INDEXES = (
    # newest first; the deadline too, so the open check of an entry reads no table row
    sa.Index(
        "ix_scenarios_list_newest",
        Scenario.status,
        Scenario.published_at,
        Scenario.id,
        Scenario.deadline,
    ),
    # soonest deadline first, none last (ASC NULLS LAST on both databases); it also finds
    # the published scenarios whose deadline passed before the expiry sweep
    sa.Index(
        "ix_scenarios_list_deadline",
        Scenario.status,
        Scenario.deadline,
        Scenario.published_at.desc(),
        Scenario.id.desc(),
    ),
    # highest budget first, 面议 last: an IS NULL key, because the databases place the NULLs
    # of a descending key differently and SQLite's indexes cannot say NULLS LAST
    sa.Index(
        "ix_scenarios_list_budget",
        Scenario.status,
        budget_high().is_(None),
        budget_high().desc(),
        Scenario.published_at.desc(),
        Scenario.id.desc(),
    ),
    # a domain and district, newest first (the filters people use most)
    sa.Index(
        "ix_scenarios_list_place",
        Scenario.status,
        Scenario.domain,
        Scenario.district,
        Scenario.published_at,
        Scenario.id,
        Scenario.deadline,
    ),
    # newest first; the firm too, so the organisation filters read no table row
    sa.Index(
        "ix_capabilities_list_newest",
        Capability.status,
        Capability.published_at,
        Capability.id,
        Capability.organization_id,
    ),
    # every filter's column, by id: a filter given as a set of ids (a tag, search words)
    # checks each listing here, and a count scans this instead of the table (descriptions
    # make a row a kilobyte or more)
    sa.Index(
        "ix_scenarios_list_filters",
        Scenario.status,
        Scenario.id,
        Scenario.deadline,
        Scenario.budget_wan,
        Scenario.budget_max_wan,
        Scenario.domain,
        Scenario.district,
        Scenario.opening_method,
        Scenario.organization_id,
    ),
    sa.Index(
        "ix_capabilities_list_filters",
        Capability.status,
        Capability.id,
        Capability.organization_id,
    ),
)

# What the migration builds on one database only. PostgreSQL: search_documents.lexemes, a
# generated tsvector column (search_vector() of the stored words), with a GIN index per side. SQLite: an FTS5 table per side with
# its shadow tables, reading its content through a per-side view, kept by triggers on
# search_documents. Both: triggers on the listing tables removing a listing's row when it
# leaves publication and keeping listing_counts.
# The models cannot declare a virtual table or an index on a function one database alone
# has, so the schema comparison leaves these names out (include_object);
# tests/integration/test_migrations.py checks them by name on each database.
FTS_TABLES = tuple(f"search_fts_{side}" for side in SEARCH_SIDES)
FTS5_SHADOWS = ("_data", "_idx", "_docsize", "_config")
DATABASE_ONLY = {
    "table": {*FTS_TABLES, *(t + suffix for t in FTS_TABLES for suffix in FTS5_SHADOWS)},
    "column": {"search_documents.lexemes"},
    "index": {f"ix_search_documents_{side}_lexemes" for side in SEARCH_SIDES},
}
# SQLite's reflection skips indexes on expressions, and Alembic with it (with warnings):
# they are compared on PostgreSQL, and checked by name on SQLite
EXPRESSION_INDEXES = {"ix_scenarios_list_budget"}


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic's filter: compare everything but the database-only search objects."""
    if type_ == "column":
        name = f"{obj.table.name}.{name}"
    return name not in DATABASE_ONLY.get(type_, set())


class SearchDocument(Base):
    """A listing's jieba tokens, cut once when it is published, and their parts.

    The parts (substrings, app.lexemes) are set whenever the tokens are, so a row is
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


class ListingCount(Base):
    """A change in how many listings of a side are published: their sum is the count.

    Kept by triggers on the listing tables (the migration), so an unfiltered list page and
    the home page read a figure instead of counting 100,000 index entries on every request.
    Rows are only added (concurrent publications never wait on one counter row); the
    `search.compact_counts` job folds each side's rows into one now and then.
    """

    __tablename__ = "listing_counts"
    __table_args__ = (
        sa.CheckConstraint("side IN ('scenario', 'capability')", name="side"),
        # the sum is read from the index alone
        sa.Index("ix_listing_counts_side_published", "side", "published"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    side: Mapped[str] = mapped_column(sa.String(20))
    published: Mapped[int] = mapped_column(default=0)


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
