"""Recording who changed what: one call per state change, made by the services."""

from __future__ import annotations

from typing import Any

from app.extensions import db
from app.models import AuditEvent


def record_event(
    action: str,
    *,
    actor: Any = None,
    subject_type: str = "user",
    subject_id: int | None = None,
    outcome: str = "success",
    note: str = "",
) -> None:
    """Append an event that is not a change to one model instance (sign-in, sign-out, lock…).

    Never pass a password, a token or a full phone number in the note.
    """
    db.session.add(
        AuditEvent(
            actor_id=getattr(actor, "id", None),
            action=action if outcome == "success" else f"{action}:{outcome}",
            subject_type=subject_type,
            subject_id=subject_id
            or 0,  # first version: the audit trail's model gains a nullable id
            note=note,
        )
    )


def record(actor: Any, action: str, subject: Any, note: str = "") -> None:
    """Append an audit event for a change to a model instance (flushed with the change)."""
    db.session.add(
        AuditEvent(
            actor_id=getattr(actor, "id", None),
            action=action,
            subject_type=type(subject).__tablename__,
            subject_id=subject.id,
            note=note,
        )
    )
