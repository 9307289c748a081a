"""Public search: each published listing's stored tokens, and users' saved searches."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, TimestampMixin

SEARCH_SIDES = ("scenario", "capability")


class SearchDocument(Base):
    """A listing's jieba tokens, cut once when it is published, so indexes load without jieba."""

    __tablename__ = "search_documents"
    __table_args__ = (sa.CheckConstraint("side IN ('scenario', 'capability')", name="side"),)

    side: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    listing_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # space-joined distinct tokens of the title, and of everything else people search for
    title_tokens: Mapped[str] = mapped_column(sa.Text, default="")
    body_tokens: Mapped[str] = mapped_column(sa.Text, default="")


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
