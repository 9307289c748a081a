"""Excellent cases (优秀案例): a landed engagement published as a model for others."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.i18n import N_
from app.models.base import Base, TimestampMixin, enum_column

if TYPE_CHECKING:
    from app.models.engagement import Engagement


class CaseStatus(enum.StrEnum):
    """A case is drafted by an administrator and published once both parties consented."""

    DRAFT = "draft"
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        """The Chinese name shown in the UI."""
        return {"draft": N_("待发布"), "published": N_("已发布")}[self.value]


class ExcellentCase(TimestampMixin, Base):
    """The public story of one landed engagement: problem, solution, result and figures."""

    __tablename__ = "excellent_cases"
    __table_args__ = (
        sa.CheckConstraint(
            "status <> 'published' OR (publisher_consent_at IS NOT NULL"
            " AND firm_consent_at IS NOT NULL AND published_at IS NOT NULL)",
            name="published_has_consents",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("engagements.id", ondelete="CASCADE"), unique=True
    )
    title: Mapped[str] = mapped_column(sa.String(100))
    problem: Mapped[str] = mapped_column(sa.Text)
    solution: Mapped[str] = mapped_column(sa.Text)
    result: Mapped[str] = mapped_column(sa.Text)
    # the numbers a reader remembers: "病害发现时间缩短 50%；覆盖道路 1200 公里"
    figures: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[CaseStatus] = mapped_column(
        enum_column(CaseStatus, "case_status"), default=CaseStatus.DRAFT, index=True
    )
    publisher_consent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    publisher_consent_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    firm_consent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    firm_consent_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    published_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    engagement: Mapped[Engagement] = relationship()

    @property
    def is_published(self) -> bool:
        """Only published cases are public."""
        return self.status is CaseStatus.PUBLISHED

    @property
    def fully_consented(self) -> bool:
        """Both organisations agreed to publication."""
        return self.publisher_consent_at is not None and self.firm_consent_at is not None
