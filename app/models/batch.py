"""第N批: numbered lists of published scenarios or capabilities, made public on a date."""

from __future__ import annotations

import enum
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.i18n import N_
from app.models.base import Base, TimestampMixin, enum_column
from app.models.listing import Capability, Scenario


class BatchKind(enum.StrEnum):
    """What a batch lists; numbers run separately per kind."""

    SCENARIO = "scenario"
    CAPABILITY = "capability"

    @property
    def label(self) -> str:
        """The Chinese name shown in the UI."""
        return N_("场景机会清单") if self is BatchKind.SCENARIO else N_("能力清单")


class Batch(TimestampMixin, Base):
    """One 第N批 list; public from publish_on (a scheduled batch is public once that day comes)."""

    __tablename__ = "batches"
    __table_args__ = (
        sa.UniqueConstraint("kind", "number"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[BatchKind] = mapped_column(enum_column(BatchKind, "batch_kind"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(100))
    intro: Mapped[str] = mapped_column(sa.Text, default="")
    # None: still being composed; a date: public from that day on (checked when read)
    publish_on: Mapped[date | None] = mapped_column(sa.Date, index=True)

    items: Mapped[list[BatchItem]] = relationship(
        back_populates="batch", cascade="all, delete-orphan", order_by="BatchItem.position"
    )

    def is_public(self, today: date) -> bool:
        """Published on or before today."""
        return self.publish_on is not None and self.publish_on <= today


class BatchItem(Base):
    """One listing of a batch, in the batch's order."""

    __tablename__ = "batch_items"
    __table_args__ = (
        sa.UniqueConstraint("batch_id", "scenario_id"),
        sa.UniqueConstraint("batch_id", "capability_id"),
        # exactly one of the two listings
        sa.CheckConstraint("(scenario_id IS NULL) <> (capability_id IS NULL)", name="one_listing"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        sa.ForeignKey("batches.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    scenario_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("scenarios.id", ondelete="CASCADE"), index=True
    )
    capability_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("capabilities.id", ondelete="CASCADE"), index=True
    )

    batch: Mapped[Batch] = relationship(back_populates="items")
    scenario: Mapped[Scenario | None] = relationship()
    capability: Mapped[Capability | None] = relationship()

    @property
    def listing(self) -> Scenario | Capability:
        """The scenario or capability listed."""
        listing = self.scenario or self.capability
        assert listing is not None  # noqa: S101 - guaranteed by the one_listing CHECK
        return listing
