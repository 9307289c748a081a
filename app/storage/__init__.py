"""Files every app machine can read: bytes go in under a random key and come out by that key.

Features (listing attachments, application attachments, spreadsheets waiting for import)
keep only the key. The one backend is the database (table stored_files): a file is seen by
every machine as soon as the request that stored it commits, and it is in the database's
backups. A shared object store could replace it behind these three functions; what a
backend must honour:

- put(data) stores the bytes under a new random key and returns the key, size and SHA-256;
- read(key) returns the bytes, or None for a key it does not hold or could never have given;
- delete(keys) removes them, ignoring keys it does not hold.

The database backend writes and deletes within the caller's transaction, so a request that
rolls back leaves nothing behind and bytes go only when their deletion commits. Callers still
delete what they stored when they refuse a request: a store without transactions would
otherwise keep refused files.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

# keys this module gives are random hex; application files migrated from disk keep the
# extension their old file names had
KEY = re.compile(r"[0-9a-f]{32}(\.[a-z]{3,4})?")


@dataclass(frozen=True)
class FileRef:
    """What a feature records about stored bytes."""

    key: str
    size: int
    sha256: str


class FileStore(Protocol):
    """A place for files that every app machine reads (see the module docstring)."""

    def put(self, data: bytes) -> FileRef: ...

    def read(self, key: str) -> bytes | None: ...

    def delete(self, keys: Collection[str]) -> None: ...


def is_key(key: str) -> bool:
    """Whether key has the shape of a key this module gives (anything else is never looked up)."""
    return KEY.fullmatch(key) is not None


def put(data: bytes) -> FileRef:
    """Store the bytes under a new random key."""
    return backend().put(data)


def read(key: str) -> bytes | None:
    """The bytes stored under key, or None."""
    return backend().read(key) if is_key(key) else None


def delete(*keys: str) -> None:
    """Remove the bytes stored under these keys."""
    valid = [key for key in keys if is_key(key)]
    if valid:
        backend().delete(valid)


def backend() -> FileStore:
    """The configured store: the database, the only one there is."""
    # imported here: the backend imports this module (FileRef) and the models
    from app.storage.database import DatabaseStore

    return DatabaseStore()
