"""Signed-in sessions: begun after every factor has passed, ended by sign-out or by the server.

Interface used by sign-in, sign-out, password and role changes, locks and deactivation.

The browser's (signed) Flask session holds a random token; the server keeps only its SHA-256
in `user_sessions`, with the user, the last use and the absolute expiry. Every request that
claims a signed-in user is resolved through that row (the user loader below), so a row ended
on one machine refuses the cookie on every machine, and a copied cookie dies at sign-out.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, flash, has_request_context, request, session
from flask_login import login_user, logout_user

from app.extensions import db
from app.models import User, UserSession
from app.models.base import utcnow
from app.models.sessions import USER_AGENT_LENGTH

TOKEN_KEY = "_session_token"  # noqa: S105 -- the key under which the Flask session holds it
# last use is written at most this often; the idle rule counts from the written time, so a
# session ends at most this much early, never late
TOUCH_EVERY = timedelta(minutes=1)
TIMEOUT_MESSAGE = "登录已超时，请重新登录。"


def token_hash(token: str) -> str:
    """What the database keeps of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def idle_limit(user: User) -> timedelta:
    """How long a session of this user may go unused (shorter for staff)."""
    key = "SESSION_IDLE_MINUTES_STAFF" if user.is_staff else "SESSION_IDLE_MINUTES"
    return timedelta(minutes=current_app.config[key])


def lifetime(user: User) -> timedelta:
    """How long a session of this user lasts from sign-in, whatever its use."""
    key = "SESSION_ABSOLUTE_HOURS_STAFF" if user.is_staff else "SESSION_ABSOLUTE_HOURS"
    return timedelta(hours=current_app.config[key])


def create_record(user: User, *, address: str = "", user_agent: str = "") -> str:
    """Store a new session of the user (flushed) and return its token, which only the cookie keeps."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        UserSession(
            token_hash=token_hash(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime(user),
            client_address=(address or "")[:45],
            user_agent=(user_agent or "")[:USER_AGENT_LENGTH],
        )
    )
    db.session.flush()
    return token


def begin(user: User) -> None:
    """Start a fresh session for a user who has passed every factor (new identifier)."""
    previous = session.get(TOKEN_KEY)
    if previous:  # signing in again: the session this browser had is over
        _end(UserSession.token_hash == token_hash(previous), "replaced")
    session.clear()  # nothing from before sign-in survives (no fixation)
    token = create_record(
        user, address=request.remote_addr or "", user_agent=request.user_agent.string
    )
    session[TOKEN_KEY] = token
    login_user(user, remember=False)
    # the record must exist before the cookie naming it reaches the browser
    db.session.commit()


def end_current(reason: str = "logout") -> None:
    """End the session of this request (sign-out)."""
    token = session.get(TOKEN_KEY)
    if token:
        _end(sa.true(), reason, UserSession.token_hash == token_hash(token))
    logout_user()
    session.clear()
    db.session.commit()


def end_all(user: User, reason: str, *, keep_current: bool = False) -> None:
    """End every session of a user on every machine (password/role change, lock, deactivation)."""
    keep = session.get(TOKEN_KEY) if keep_current and has_request_context() else None
    condition = UserSession.user_id == user.id
    if keep:
        condition = sa.and_(condition, UserSession.token_hash != token_hash(keep))
    _end(condition, reason)  # flushed with the caller's change; the caller commits


def _end(condition: sa.ColumnElement[bool], reason: str, *more: sa.ColumnElement[bool]) -> None:
    db.session.execute(
        sa.update(UserSession)
        .where(condition, *more, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason[:30])
        .execution_options(synchronize_session=False)
    )


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the user of a live session record, or None (anonymous)."""
    token = session.get(TOKEN_KEY)
    if not token or not user_id.isdigit():
        _refuse()
        return None
    # one indexed lookup brings the record and its user (the old loader's one query)
    row = db.session.execute(
        sa.select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.token_hash == token_hash(token))
    ).first()
    if row is None:
        _refuse()
        return None
    record, user = row
    if record.ended_at is not None or user.id != int(user_id) or not user.is_active:
        _refuse()
        return None
    now = utcnow()
    timeout = _timeout(record, user, now)
    if timeout:
        _time_out(record, user, timeout, now)
        return None
    if now - _aware(record.last_seen_at) >= TOUCH_EVERY:
        record.last_seen_at = now
        db.session.commit()  # before the view runs: this request's own changes come later
    return user


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def _timeout(record: UserSession, user: User, now: datetime) -> str:
    if now >= _aware(record.expires_at):
        return "expired"
    if now - _aware(record.last_seen_at) >= idle_limit(user):
        return "idle"
    return ""


def _time_out(record: UserSession, user: User, reason: str, now: datetime) -> None:
    from app import audit

    record.ended_at, record.end_reason = now, reason
    audit.record_event("session_timeout", actor=user, subject_id=user.id, note=reason)
    db.session.commit()
    _refuse()
    flash(TIMEOUT_MESSAGE, "warning")


def _refuse() -> None:
    """Forget whatever the cookie claimed; the request goes on as anonymous."""
    session.clear()


def load_before_request() -> None:
    """Resolve the signed-in user first, before any other hook (cache, access gate) asks."""
    if request.endpoint != "static" and "_user_id" in session:
        from flask_login import current_user

        current_user._get_current_object()
