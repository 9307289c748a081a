"""Signed-in sessions kept on the server, so the server can end them on every machine."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow

USER_AGENT_LENGTH = 200


class UserSession(Base):
    """One sign-in: found by the SHA-256 of the token in the browser's cookie, never the token."""

    __tablename__ = "user_sessions"
    __table_args__ = (
        # an ended session says why (logout, timeout, password change …)
        sa.CheckConstraint("(ended_at IS NULL) = (end_reason = '')", name="ended_with_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # written at most once a minute (see app.security.sessions), not on every request
    last_seen_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # the absolute lifetime; also what the purge job goes by (index)
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    end_reason: Mapped[str] = mapped_column(sa.String(30), default="")
    client_address: Mapped[str] = mapped_column(sa.String(45), default="")
    user_agent: Mapped[str] = mapped_column(sa.String(USER_AGENT_LENGTH), default="")
