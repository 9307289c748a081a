"""The database backend of app.storage: bytes in the stored_files table."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection

import sqlalchemy as sa

from app.extensions import db
from app.models import StoredFile
from app.storage import FileRef


class DatabaseStore:
    """Bytes written and removed with the caller's transaction (db.session)."""

    def put(self, data: bytes) -> FileRef:
        """Insert the bytes under a new random key."""
        ref = FileRef(secrets.token_hex(16), len(data), hashlib.sha256(data).hexdigest())
        # a Core insert: the session's identity map does not hold on to the bytes afterwards
        db.session.execute(
            sa.insert(StoredFile).values(key=ref.key, size=ref.size, sha256=ref.sha256, data=data)
        )
        return ref

    def read(self, key: str) -> bytes | None:
        """The bytes under key, or None."""
        return db.session.scalar(sa.select(StoredFile.data).where(StoredFile.key == key))

    def delete(self, keys: Collection[str]) -> None:
        """Delete the rows of these keys."""
        db.session.execute(sa.delete(StoredFile).where(StoredFile.key.in_(keys)))
