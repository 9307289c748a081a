"""Engagements (对接): a firm and a scenario from first contact to a landed contract."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.i18n import N_
from app.models.base import Base, TimestampMixin, enum_column, utcnow

if TYPE_CHECKING:
    from app.models.listing import Capability, Scenario
    from app.models.org import Organization, User

# 100亿元 in 万元: a contract above this is a typing error, not a contract
MAX_CONTRACT_WAN = Decimal("1000000")


class EngagementStage(enum.StrEnum):
    """意向 → 洽谈中 → 已签约 → 已落地, or 已终止."""

    INTENT = "intent"
    NEGOTIATING = "negotiating"
    SIGNED = "signed"
    LANDED = "landed"
    TERMINATED = "terminated"

    @property
    def label(self) -> str:
        """The Chinese name shown in the UI."""
        return ENGAGEMENT_STAGE_LABELS[self]


ENGAGEMENT_STAGE_LABELS = {
    EngagementStage.INTENT: N_("意向"),
    EngagementStage.NEGOTIATING: N_("洽谈中"),
    EngagementStage.SIGNED: N_("已签约"),
    EngagementStage.LANDED: N_("已落地"),
    EngagementStage.TERMINATED: N_("已终止"),
}


class EngagementOrigin(enum.StrEnum):
    """How the engagement started."""

    APPLICATION = "application"
    RECOMMENDATION = "recommendation"

    @property
    def label(self) -> str:
        """The Chinese name shown in the UI."""
        return {"application": N_("揭榜/申请"), "recommendation": N_("平台推荐")}[self.value]


class Engagement(TimestampMixin, Base):
    """One firm's engagement with one scenario."""

    __tablename__ = "engagements"
    __table_args__ = (
        sa.UniqueConstraint("scenario_id", "firm_id"),
        sa.CheckConstraint(
            "contract_amount_wan IS NULL OR "
            f"(contract_amount_wan >= 0 AND contract_amount_wan <= {MAX_CONTRACT_WAN})",
            name="contract_amount_range",
        ),
        sa.CheckConstraint(
            "stage NOT IN ('signed', 'landed') OR "
            "(contract_amount_wan IS NOT NULL AND contract_date IS NOT NULL)",
            name="signed_has_contract",
        ),
        sa.CheckConstraint(
            "stage <> 'landed' OR golive_date IS NOT NULL", name="landed_has_golive_date"
        ),
        sa.CheckConstraint(
            "stage <> 'terminated' OR end_reason <> ''", name="terminated_has_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(
        sa.ForeignKey("scenarios.id", ondelete="CASCADE"), index=True
    )
    firm_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    capability_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("capabilities.id", ondelete="SET NULL"), index=True
    )
    recommendation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("recommendations.id", ondelete="SET NULL"), index=True
    )
    origin: Mapped[EngagementOrigin] = mapped_column(
        enum_column(EngagementOrigin, "engagement_origin")
    )
    stage: Mapped[EngagementStage] = mapped_column(
        enum_column(EngagementStage, "engagement_stage"),
        default=EngagementStage.INTENT,
        index=True,
    )
    proposal: Mapped[str] = mapped_column(sa.Text, default="")
    shortlisted: Mapped[bool] = mapped_column(default=False)
    contract_amount_wan: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    contract_date: Mapped[date | None] = mapped_column(sa.Date, index=True)
    golive_date: Mapped[date | None] = mapped_column(sa.Date)
    result_summary: Mapped[str] = mapped_column(sa.Text, default="")
    end_reason: Mapped[str] = mapped_column(sa.Text, default="")
    # the application's optional attachment: the name the firm uploaded it under, and the
    # key of its bytes in app.storage (random, never derived from user input)
    attachment_name: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    attachment_file: Mapped[str] = mapped_column(sa.String(80), default="", server_default="")
    # optimistic locking: two people changing one engagement cannot lose either change silently
    lock_version: Mapped[int] = mapped_column(default=1)

    scenario: Mapped[Scenario] = relationship()
    firm: Mapped[Organization] = relationship()
    capability: Mapped[Capability | None] = relationship()
    events: Mapped[list[EngagementEvent]] = relationship(
        back_populates="engagement",
        cascade="all, delete-orphan",
        order_by="EngagementEvent.id",
    )

    __mapper_args__ = {"version_id_col": lock_version}  # noqa: RUF012 - SQLAlchemy's mapping

    @property
    def publisher_id(self) -> int:
        """The organisation that posted the scenario (the other party)."""
        return self.scenario.organization_id

    @property
    def is_open(self) -> bool:
        """Still moving: neither landed nor terminated."""
        return self.stage not in (EngagementStage.LANDED, EngagementStage.TERMINATED)


class EngagementEvent(Base):
    """One step on an engagement's timeline: who moved it, from where to where, and why."""

    __tablename__ = "engagement_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("engagements.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    from_stage: Mapped[EngagementStage | None] = mapped_column(
        enum_column(EngagementStage, "engagement_event_from")
    )
    to_stage: Mapped[EngagementStage] = mapped_column(
        enum_column(EngagementStage, "engagement_event_to")
    )
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    engagement: Mapped[Engagement] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class RecommendationAcceptance(Base):
    """One side's 接受推荐 of an approved pair; the engagement starts once both sides accepted."""

    __tablename__ = "recommendation_acceptances"
    __table_args__ = (sa.UniqueConstraint("recommendation_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("recommendations.id", ondelete="CASCADE"), index=True
    )
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
