"""Recording who changed what: one call per state change, made by the services."""

from __future__ import annotations

from typing import Any

from app.extensions import db
from app.models import AuditEvent


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
