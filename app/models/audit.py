"""Who did what to which object, when, from where, and with what outcome: the audit trail."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, enum_column, utcnow


class Outcome(enum.StrEnum):
    """Whether the audited operation succeeded or was refused/failed."""

    SUCCESS = "success"
    FAILURE = "failure"


class AuditEvent(Base):
    """An append-only, hash-chained record (database triggers refuse UPDATE and early DELETE).

    The actor is a snapshot (id, e-mail, role), not a foreign key: a record outlives any change
    to its user. `seq` orders the chain; `hash` is an HMAC over the row and `prev_hash`
    (app.audit.chain), so an edited or deleted record breaks verification.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(sa.BigInteger, unique=True)
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, index=True
    )
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor_email: Mapped[str] = mapped_column(sa.String(254), default="")
    actor_role: Mapped[str] = mapped_column(sa.String(20), default="")
    action: Mapped[str] = mapped_column(sa.String(40), index=True)
    subject_type: Mapped[str] = mapped_column(sa.String(30))
    subject_id: Mapped[int | None]
    outcome: Mapped[Outcome] = mapped_column(
        enum_column(Outcome, "audit_outcome"), default=Outcome.SUCCESS
    )
    client_address: Mapped[str] = mapped_column(sa.String(45), default="")
    request_id: Mapped[str] = mapped_column(sa.String(64), default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))
