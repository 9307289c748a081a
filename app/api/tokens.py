"""API tokens of partner systems: issued by a 系统管理员, shown once, kept as SHA-256, revoked.

A token is ``jnsc_`` and 40 random URL-safe characters; the database keeps its SHA-256 and
its first PREFIX_LENGTH characters (to recognise it in lists and the audit trail).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from app import audit
from app.errors import DomainError
from app.extensions import db
from app.models import ApiToken, User
from app.models.api_tokens import PREFIX_LENGTH
from app.models.base import utcnow

TOKEN_PREFIX = "jnsc_"  # noqa: S105 -- the visible start of every token, not a secret
MAX_DAYS = 730
TOKEN_MAX_CHARS = 200  # longer Authorization values are refused before hashing


@dataclass(frozen=True)
class Issued:
    """A new token: the row, and the secret shown once to the 系统管理员."""

    token: ApiToken
    secret: str


def token_hash(secret: str) -> str:
    """What the database keeps of a token."""
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(admin: User, partner: str, note: str, days: int, now: datetime | None = None) -> Issued:
    """Create a token for a partner organisation (flushed, audited); its secret is returned once."""
    partner, note = partner.strip(), note.strip()
    if not partner:
        raise DomainError("请填写合作单位名称。", "partner")
    if not 1 <= days <= MAX_DAYS:
        raise DomainError(f"有效期必须在 1 到 {MAX_DAYS} 天之间。", "days")
    now = now or utcnow()
    secret = TOKEN_PREFIX + secrets.token_urlsafe(30)
    token = ApiToken(
        partner=partner[:100],
        note=note[:200],
        prefix=secret[:PREFIX_LENGTH],
        token_hash=token_hash(secret),
        created_by_id=getattr(admin, "id", None),
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    audit.record(admin, "api_token_issue", token, f"{token.partner}（{token.prefix}…，{days}天）")
    return Issued(token, secret)


def revoke(admin: User, token: ApiToken, now: datetime | None = None) -> None:
    """Revoke a token at once (flushed, audited); revoking twice changes nothing."""
    if token.revoked_at is not None:
        raise DomainError("该令牌已被吊销。")
    token.revoked_at = now or utcnow()
    db.session.flush()
    audit.record(admin, "api_token_revoke", token, f"{token.partner}（{token.prefix}…）")


def all_tokens() -> list[ApiToken]:
    """Every token, newest first (the 系统管理员's list)."""
    return list(db.session.scalars(sa.select(ApiToken).order_by(ApiToken.id.desc())))


def get(token_id: int) -> ApiToken | None:
    """A token by id."""
    return db.session.get(ApiToken, token_id)


def find_usable(secret: str, now: datetime | None = None) -> ApiToken | None:
    """The token a secret names when it may be used now, else None (unknown, expired, revoked)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > TOKEN_MAX_CHARS:
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == token_hash(secret)))
    if token is None or not token.is_usable(now or utcnow()):
        return None
    return token


def record_use(token: ApiToken, what: str, now: datetime | None = None) -> None:
    """Audit one request made with a token and note when it was last used (caller commits)."""
    token.last_used_at = now or utcnow()
    audit.record_event(
        "api_token_use",
        subject_type=ApiToken.__tablename__,
        subject_id=token.id,
        note=f"{token.partner}（{token.prefix}…）{what}",
    )


def record_refusal(secret: str, what: str) -> None:
    """Audit a request whose token was refused: the token's visible start only (caller commits)."""
    known = secret.startswith(TOKEN_PREFIX) and len(secret) <= TOKEN_MAX_CHARS
    shown = secret[:PREFIX_LENGTH] if known else "（非平台令牌）"
    audit.record_event(
        "api_token_refused",
        subject_type=ApiToken.__tablename__,
        outcome="failure",
        note=f"{shown} {what}",
    )
