"""找回密码: single-use links, valid for PASSWORD_RESET_MINUTES, stored only as hashes."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from limits import parse
from limits.strategies import MovingWindowRateLimiter

from app import audit
from app.auth import lockout, passwords
from app.errors import DomainError
from app.extensions import db, limiter
from app.models import PasswordResetToken, User
from app.models.base import utcnow
from app.notifications import outbox
from app.security import sessions
from app.template_helpers import mask_email

INVALID = "该链接无效。请检查邮件中的链接是否完整，或重新申请找回密码。"
EXPIRED = "该链接已过期（有效期{minutes}分钟）。请重新申请找回密码。"
USED = "该链接已使用过，每个链接只能使用一次。如需再次重设，请重新申请找回密码。"


def digest(token: str) -> str:
    """What is stored of a token: its SHA-256 (a database copy opens no account)."""
    return hashlib.sha256(token.encode()).hexdigest()


def request_reset(email: str) -> None:
    """Mail a reset link if the e-mail has an active account; the caller answers the same anyway."""
    email = email.strip().lower()
    user = db.session.scalar(sa.select(User).where(User.email == email))
    token = secrets.token_urlsafe(32)  # made whatever happens next: the same work for all
    if user is None or not user.active or not _mailbox_allows(email):
        # no link was sent (no such active account, or the mailbox had its hourly share)
        audit.record_event("password_reset_request", outcome="failure", note=mask_email(email))
        return
    send_link(user, token, "password_reset", "重设密码")
    audit.record_event("password_reset_request", subject_id=user.id)


def _mailbox_allows(email: str) -> bool:
    """At most FORGOT_EMAIL_RATE_LIMIT links per mailbox, whoever asks (no mail flood)."""
    item = parse(current_app.config["FORGOT_EMAIL_RATE_LIMIT"])
    return MovingWindowRateLimiter(limiter.storage).hit(item, "reset-mail", email)


def send_link(user: User, token: str, kind: str, purpose: str) -> PasswordResetToken:
    """Store a new token's hash and queue the e-mail with its link."""
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    now = utcnow()
    row = PasswordResetToken(
        user_id=user.id,
        token_hash=digest(token),
        created_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    db.session.add(row)
    link = f"{current_app.config['SITE_URL']}/auth/reset/{token}"
    body = (
        f"{user.name}，您好：\n\n请在{minutes}分钟内打开以下链接，设置您在济南数字化应用场景平台的"
        f"登录密码（链接只能使用一次）：\n{link}\n\n"
        "如果不是您本人申请，请忽略本邮件，您的密码不会改变。"
    )
    outbox.queue(user, kind, f"济南数字化应用场景平台：{purpose}", body)
    return row


def valid_token(token: str) -> PasswordResetToken:
    """The unused, unexpired token; otherwise a message saying which it is."""
    row = db.session.scalar(
        sa.select(PasswordResetToken).where(PasswordResetToken.token_hash == digest(token))
    )
    if row is None:
        raise DomainError(INVALID)
    if row.used_at is not None:
        raise DomainError(USED)
    expires = (
        row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=utcnow().tzinfo)
    )
    if expires <= utcnow():
        raise DomainError(EXPIRED.format(minutes=current_app.config["PASSWORD_RESET_MINUTES"]))
    return row


def reset_password(token: str, password: str) -> User:
    """Set a new password through a link: used once, ends every session, lifts a lock."""
    row = db.session.scalars(
        sa.select(PasswordResetToken)
        .where(PasswordResetToken.id == valid_token(token).id)
        .with_for_update()  # two tabs posting the same link: the second finds it used
    ).one()
    db.session.refresh(row)
    if row.used_at is not None:
        raise DomainError(USED)
    user = db.session.get_one(User, row.user_id)
    error = passwords.policy_error(user, password)
    if error:
        raise DomainError(error, field="password")
    now = utcnow()
    db.session.execute(  # every other link of the account dies with this one
        sa.update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )
    user.set_password(password)
    user.must_change_password = False
    user.locked_until = None  # the mailbox's owner proved who they are
    lockout.forget_failures(user)
    sessions.end_all(user, "password_reset")
    audit.record_event("password_reset", actor=user, subject_id=user.id)
    return user
