"""Uploaded spreadsheets kept between the preview and the import, in the database.

Any app machine can show the preview and any worker can run the import: the upload is a
pending_imports row (its bytes in app.storage), not a file on one machine's disk. The import
job removes it in the transaction that inserts its rows, so an upload is imported at most once.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from app import storage
from app.extensions import db
from app.models import PendingImport
from app.models.base import utcnow

MAX_AGE = timedelta(days=1)
_TOKEN = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class Upload:
    """A stored upload and who may use it."""

    token: str
    user_id: int
    kind: str
    filename: str
    data: bytes


def save(data: bytes, user_id: int, kind: str, filename: str) -> str:
    """Keep an upload; return its random token (the imports.sweep job removes old ones)."""
    token = secrets.token_hex(16)
    stored = storage.put(data)
    db.session.add(
        PendingImport(
            token=token, user_id=user_id, kind=kind, filename=filename[:200], file_key=stored.key
        )
    )
    db.session.flush()
    return token


def _pending(token: str, user_id: int) -> PendingImport | None:
    """The upload's row if it exists and belongs to the user."""
    if not _TOKEN.fullmatch(token):
        return None
    pending = db.session.get(PendingImport, token)
    return pending if pending is not None and pending.user_id == user_id else None


def load(token: str, user_id: int) -> Upload | None:
    """The upload if it exists and belongs to the user; None otherwise."""
    pending = _pending(token, user_id)
    data = storage.read(pending.file_key) if pending is not None else None
    if pending is None or data is None:
        return None
    return Upload(token, user_id, pending.kind, pending.filename, data)


def belongs(token: str, user_id: int) -> bool:
    """The upload exists and is the user's (reads its row only, not the file)."""
    return _pending(token, user_id) is not None


def import_run(token: str, user_id: int) -> int | None:
    """The import job already started for this upload, if any."""
    pending = _pending(token, user_id)
    return pending.run_id if pending is not None else None


def attach_run(token: str, run_id: int) -> None:
    """Remember the import job of an upload (a second confirmation finds it)."""
    db.session.execute(
        sa.update(PendingImport).where(PendingImport.token == token).values(run_id=run_id)
    )


def discard(token: str) -> None:
    """Remove an upload (after import or cancel)."""
    if _TOKEN.fullmatch(token):
        _remove(PendingImport.token == token)


def sweep(max_age: timedelta = MAX_AGE) -> int:
    """Remove uploads older than max_age and their files; return how many (flushed)."""
    return _remove(PendingImport.created_at < utcnow() - max_age)


def _remove(condition: sa.ColumnElement[bool]) -> int:
    """Delete the uploads matching condition, and their bytes."""
    query = sa.select(PendingImport.token, PendingImport.file_key).where(condition)
    rows = db.session.execute(query).all()
    if rows:
        storage.delete(*(row.file_key for row in rows))
        tokens = [row.token for row in rows]
        db.session.execute(sa.delete(PendingImport).where(PendingImport.token.in_(tokens)))
    return len(rows)
