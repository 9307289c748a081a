"""Keeping audit records for the retention period, and purging only what is older.

The purge deletes the oldest records up to the first one still inside the period (by sequence,
so the remaining chain has no hole), and records itself with the last purged record's number
and hash: verification then starts from the oldest remaining record, anchored there. The
database triggers refuse to delete any record younger than 180 days whatever this code does.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.config import MIN_AUDIT_RETENTION_DAYS
from app.extensions import db
from app.models import AuditEvent, Outcome
from app.models.base import utcnow

PURGE_ACTION = "audit_purge"
ANCHOR = re.compile(r"末条哈希=([0-9a-f]{64})")


def anchor_of(note: str) -> str:
    """The last purged hash a purge record carries ('' when none)."""
    found = ANCHOR.search(note or "")
    return found.group(1) if found else ""


def purge(session: Session, retention_days: int) -> int:
    """Delete the records older than the retention period; how many were deleted."""
    days = max(int(retention_days), MIN_AUDIT_RETENTION_DAYS)
    cutoff = utcnow() - timedelta(days=days)
    first_kept = session.scalar(
        sa.select(sa.func.min(AuditEvent.seq)).where(AuditEvent.created_at >= cutoff)
    )
    old = sa.select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.created_at < cutoff)
    if first_kept is not None:
        old = old.where(AuditEvent.seq < first_kept)
    last = session.execute(old.order_by(AuditEvent.seq.desc()).limit(1)).first()
    if last is None:
        return 0
    result = session.execute(sa.delete(AuditEvent).where(AuditEvent.seq <= last.seq))
    # DML runs as a CursorResult (rowcount); Session.execute is typed as returning a Result
    deleted = cast("sa.CursorResult[Any]", result).rowcount
    session.add(
        AuditEvent(
            action=PURGE_ACTION,
            subject_type="audit_events",
            subject_id=last.seq,
            outcome=Outcome.SUCCESS,
            note=f"清理{deleted}条超过{days}天的审计记录，至第{last.seq}条；末条哈希={last.hash}",
        )
    )
    session.flush()
    return deleted


def purge_now(retention_days: int) -> int:
    """Purge in the app's session (the caller commits)."""
    return purge(db.session(), retention_days)
