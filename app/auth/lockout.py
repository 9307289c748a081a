"""Account lockout: too many failed sign-ins lock an account for a while (等保 2.0).

Known accounts count their failures in the database (every process and machine agrees, with
or without Redis); e-mails without an account count them in the limiter's store and are
locked there, so the answers for both are the same.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app import audit
from app.auth import throttle
from app.extensions import db
from app.models import User
from app.models.base import utcnow
from app.security import sessions


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes for timezone-aware columns; they are UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def is_locked(user: User | None, email: str) -> bool:
    """Whether sign-in is refused for this account (or e-mail) whatever the password."""
    if user is None:
        return throttle.email_locked(email)
    return user.lock_minutes_left > 0


def note_failure(user: User | None, email: str, address: str, note: str) -> bool:
    """Count a failed sign-in; lock the account (or e-mail) at the threshold. True if locked."""
    count = throttle.note_failure(email, address)
    limit = current_app.config["LOGIN_LOCK_FAILURES"]
    audit.record_event(
        "sign_in", subject_id=user.id if user else None, outcome="failure", note=note
    )
    if user is None:
        if count >= limit:
            throttle.lock_email(email)
            audit.record_event("lock", subject_id=None, note=note)
            return True
        return False
    return _count_for_account(user, note)


def _count_for_account(user: User, note: str) -> bool:
    # the row lock makes concurrent failures count one after another (PostgreSQL; SQLite
    # writes one transaction at a time anyway)
    db.session.execute(sa.select(User.id).where(User.id == user.id).with_for_update()).scalar_one()
    db.session.refresh(user)
    now = utcnow()
    window = timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])
    start = _aware(user.failed_window_start)
    if start is None or now - start > window:
        user.failed_window_start, user.failed_logins = now, 0
    user.failed_logins += 1
    if user.failed_logins < current_app.config["LOGIN_LOCK_FAILURES"]:
        return False
    lock(user, now, note)
    return True


def lock(user: User, now: datetime, note: str = "") -> None:
    """Lock an account for LOGIN_LOCK_MINUTES and end its sessions."""
    user.locked_until = now + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
    user.failed_logins, user.failed_window_start = 0, None
    sessions.end_all(user, "locked")
    audit.record_event("lock", subject_id=user.id, note=note)


def forget_failures(user: User) -> None:
    """A successful sign-in starts the count afresh."""
    user.failed_logins, user.failed_window_start = 0, None
    throttle.forget(user.email)


def unlock(actor: User, user: User) -> None:
    """A 安全管理员 lifts a lock before it runs out (and clears the failure counts)."""
    user.locked_until = None
    forget_failures(user)
    audit.record_event("unlock", actor=actor, subject_id=user.id)
