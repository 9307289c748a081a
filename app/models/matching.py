"""Recommended pairs, the change feed the matching indexes follow, re-rankers and vocabulary."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, TimestampMixin, enum_column, utcnow
from app.models.listing import Capability, Scenario
from app.models.org import User


class RecommendationStatus(enum.StrEnum):
    """A pair waits for review, is pushed to both sides, or is turned down."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        """The Chinese name shown in the UI."""
        return {"pending": "待审核", "approved": "已推荐", "rejected": "已驳回"}[self.value]


class Recommendation(TimestampMixin, Base):
    """One engine-proposed pair; one row per pair, decided once by an administrator."""

    __tablename__ = "recommendations"
    __table_args__ = (
        sa.UniqueConstraint("scenario_id", "capability_id"),
        sa.CheckConstraint(
            "(status = 'pending' AND reviewer_id IS NULL AND reviewed_at IS NULL)"
            " OR (status <> 'pending' AND reviewer_id IS NOT NULL AND reviewed_at IS NOT NULL)",
            name="decided_has_reviewer",
        ),
        sa.CheckConstraint("score >= 0 AND score <= 1", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(
        sa.ForeignKey("scenarios.id", ondelete="CASCADE"), index=True
    )
    capability_id: Mapped[int] = mapped_column(
        sa.ForeignKey("capabilities.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[float]
    terms: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # the engine's raw signal values (the re-ranker's features) and its explanation
    signals: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    explanation: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    status: Mapped[RecommendationStatus] = mapped_column(
        enum_column(RecommendationStatus, "recommendation_status"),
        default=RecommendationStatus.PENDING,
        index=True,
    )
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    review_note: Mapped[str] = mapped_column(sa.Text, default="")

    scenario: Mapped[Scenario] = relationship()
    capability: Mapped[Capability] = relationship()
    reviewer: Mapped[User | None] = relationship()


class MatchChange(Base):
    """An append-only feed of what the in-memory indexes must apply, in id order.

    Every process follows it from the last id it has seen, so several workers or app
    instances sharing one database agree as soon as they next use the engine.
    """

    __tablename__ = "match_changes"
    __table_args__ = (
        sa.CheckConstraint("side IN ('scenario', 'capability', 'engine')", name="side"),
        sa.CheckConstraint("op IN ('upsert', 'remove', 'reload')", name="op"),
        # ids must never be reused after rows are pruned: processes compare them
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    side: Mapped[str] = mapped_column(sa.String(20))
    listing_id: Mapped[int | None]
    op: Mapped[str] = mapped_column(sa.String(10))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class RerankerModel(Base):
    """A re-ranker trained on review decisions, with its evaluation; at most one is active."""

    __tablename__ = "reranker_models"
    __table_args__ = (
        sa.Index(
            "uq_reranker_models_one_active",
            "active",
            unique=True,
            sqlite_where=sa.text("active"),
            postgresql_where=sa.text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(sa.String(40), unique=True)
    trained_on: Mapped[int]
    params: Mapped[dict | None] = mapped_column(sa.JSON)  # None when too little to train on
    base_metrics: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    learned_metrics: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    active: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    created_by: Mapped[User | None] = relationship()


class VocabularyKind(enum.StrEnum):
    """What an administrator adds to the engine's language."""

    WORD = "word"
    SYNONYMS = "synonyms"

    @property
    def label(self) -> str:
        """The Chinese name shown in the UI."""
        return {"word": "词典词", "synonyms": "同义词组"}[self.value]


class VocabularyEntry(TimestampMixin, Base):
    """A dictionary word or a synonym group added without a deploy (on top of seed/)."""

    __tablename__ = "vocabulary_entries"
    __table_args__ = (sa.UniqueConstraint("kind", "text"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[VocabularyKind] = mapped_column(enum_column(VocabularyKind, "vocabulary_kind"))
    text: Mapped[str] = mapped_column(sa.String(200))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    created_by: Mapped[User | None] = relationship()
