"""Every version of a listing's content, as submitted for review and decided."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, enum_column, utcnow
from app.models.org import User


class VersionStatus(enum.StrEnum):
    """A version waits for review, or was approved (published) or rejected."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        """The Chinese name shown in the UI."""
        return {"pending": "待审核", "approved": "已通过", "rejected": "未通过"}[self.value]


class ListingVersion(Base):
    """A snapshot of a scenario's or capability's content, numbered from 1 per listing.

    The listing row always holds the content the public sees; a revision of a published
    listing waits here until it is approved and copied onto the row. One foreign key per
    kind (rather than a bare id) keeps referential integrity and cascades deletions.
    """

    __tablename__ = "listing_versions"
    __table_args__ = (
        sa.UniqueConstraint("scenario_id", "number"),
        sa.UniqueConstraint("capability_id", "number"),
        sa.CheckConstraint(
            "(kind = 'scenario' AND scenario_id IS NOT NULL AND capability_id IS NULL)"
            " OR (kind = 'capability' AND capability_id IS NOT NULL AND scenario_id IS NULL)",
            name="kind_matches_listing",
        ),
        sa.CheckConstraint(
            "(status = 'pending' AND reviewer_id IS NULL AND decided_at IS NULL)"
            " OR (status <> 'pending' AND decided_at IS NOT NULL)",
            name="decided_has_time",
        ),
        sa.CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    scenario_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("scenarios.id", ondelete="CASCADE"), index=True
    )
    capability_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("capabilities.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    # the content as the owner submitted it (see app.listing_kinds.versions for the fields)
    snapshot: Mapped[dict] = mapped_column(sa.JSON)
    status: Mapped[VersionStatus] = mapped_column(
        enum_column(VersionStatus, "version_status"), default=VersionStatus.PENDING, index=True
    )
    # the first version of a published listing is the content it was published with
    is_revision: Mapped[bool] = mapped_column(default=False)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    note: Mapped[str] = mapped_column(sa.Text, default="")

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])

    @property
    def listing_id(self) -> int:
        """The scenario's or capability's id."""
        return self.scenario_id if self.kind == "scenario" else self.capability_id  # type: ignore[return-value]
