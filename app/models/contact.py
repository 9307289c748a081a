"""A log of who revealed whose contact details, and from where."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, utcnow

if TYPE_CHECKING:
    from app.models.listing import Capability, Scenario
    from app.models.org import Organization, User


class ContactReveal(Base):
    """One explicit "查看联系方式": the viewer, the organisation revealed, the page, when and IP."""

    __tablename__ = "contact_reveals"
    __table_args__ = (
        # at most one listing: a reveal is made on a scenario, a capability or an organisation page
        sa.CheckConstraint(
            "scenario_id IS NULL OR capability_id IS NULL", name="at_most_one_listing"
        ),
        # the daily limit counts a user's reveals since midnight
        sa.Index("ix_contact_reveals_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    # the viewer's organisation at the time (None for administrators)
    viewer_organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    # whose contact details were shown
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    scenario_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("scenarios.id", ondelete="SET NULL")
    )
    capability_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("capabilities.id", ondelete="SET NULL")
    )
    # set for the contacts shown to a party of an engagement at 洽谈中 or later: logged like
    # any reveal, but not counted against the daily limit
    engagement_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("engagements.id", ondelete="SET NULL"), index=True
    )
    ip: Mapped[str] = mapped_column(sa.String(45), default="")
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, index=True
    )

    user: Mapped[User] = relationship()
    viewer_organization: Mapped[Organization | None] = relationship(
        foreign_keys=[viewer_organization_id]
    )
    organization: Mapped[Organization] = relationship(foreign_keys=[organization_id])
    scenario: Mapped[Scenario | None] = relationship()
    capability: Mapped[Capability | None] = relationship()
