"""In-site notifications: one row per user and event."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, enum_column, utcnow


class Notification(Base):
    """Something a user should know: a review, a recommendation, an application, a hit …"""

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    # one of app.notifications.KINDS (listing_reviewed, saved_search_hit …)
    kind: Mapped[str] = mapped_column(sa.String(30))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    # a site-relative path (/scenarios/12), never an external address
    link: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, index=True
    )
    read_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    @property
    def is_read(self) -> bool:
        """Read once the user opened it or marked all read."""
        return self.read_at is not None


class NotificationPreference(Base):
    """What one user wants to receive, and how; a user without a row gets everything."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # kinds switched off (so a kind added later reaches everyone until they opt out)
    site_off: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    email_off: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # collect e-mails into one message a day instead of one per event
    daily_digest: Mapped[bool] = mapped_column(default=False)
    last_digest_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class OutboxStatus(enum.StrEnum):
    """An e-mail waits to be sent, is held for the digest, was sent, merged or gave up."""

    PENDING = "pending"
    HELD = "held"
    SENT = "sent"
    MERGED = "merged"
    FAILED = "failed"


class OutboundEmail(Base):
    """The e-mail outbox: requests only add rows; `flask notifications send` delivers them."""

    __tablename__ = "email_outbox"
    __table_args__ = (
        sa.Index("ix_email_outbox_due", "status", "next_attempt_at"),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        sa.CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name="sent_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    to_address: Mapped[str] = mapped_column(sa.String(254))
    kind: Mapped[str] = mapped_column(sa.String(30))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class DeadlineReminder(Base):
    """A scenario whose "deadline in 3 days" notice went out (once per scenario and deadline)."""

    __tablename__ = "deadline_reminders"
    __table_args__ = (sa.UniqueConstraint("scenario_id", "deadline"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(sa.ForeignKey("scenarios.id", ondelete="CASCADE"))
    deadline: Mapped[date] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
