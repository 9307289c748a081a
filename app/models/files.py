"""Stored files: the bytes of attachments and of uploads waiting for confirmation."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class StoredFile(Base):
    """One file's bytes in the database, found by a random key (see app.storage)."""

    __tablename__ = "stored_files"
    __table_args__ = (sa.CheckConstraint("size >= 0", name="size_not_negative"),)

    # random hex, so keys cannot be guessed; rows that point here hold it (no foreign key: the
    # key is all a feature knows of its bytes, whichever store keeps them)
    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    # bytea on PostgreSQL, BLOB on SQLite; deferred, so a row is never loaded with its bytes
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
