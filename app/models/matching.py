"""Recommended scenario–capability pairs and the administrators' decisions on them."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, TimestampMixin, enum_column
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
