"""Bulk files written in parts through app.storage, so memory never holds a whole file.

A PartWriter is a binary sink: bytes collect into a part of PART_SIZE, which is stored (and
committed, so no transaction holds a long write lock) as soon as it is full. The SHA-256 and
the size are computed on the way. A file that is not finished (an error) has its parts
deleted. Downloads read the parts back in order, one at a time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType

import sqlalchemy as sa

from app import storage
from app.extensions import db
from app.models import OpenDataFile

PART_SIZE = 4 * 1024 * 1024


@dataclass(frozen=True)
class Written:
    """A finished file: its parts' keys in order, size and SHA-256."""

    parts: list[str]
    size: int
    sha256: str


class PartWriter:
    """A write-only binary file whose bytes go to app.storage in parts."""

    def __init__(self, part_size: int | None = None) -> None:
        self.part_size = part_size or PART_SIZE
        self.buffer = bytearray()
        self.keys: list[str] = []
        self.size = 0
        self.digest = hashlib.sha256()
        self.finished: Written | None = None

    def write(self, data: bytes) -> int:
        """Add bytes (a full part is stored at once)."""
        self.buffer += data
        self.size += len(data)
        self.digest.update(data)
        while len(self.buffer) >= self.part_size:
            self._store_part(self.part_size)
        return len(data)

    def flush(self) -> None:
        """Nothing to do: parts are stored when full (a file-like object's method)."""

    def _store_part(self, size: int | None = None) -> None:
        size = size or len(self.buffer)
        if self.buffer:
            self.keys.append(storage.put(bytes(self.buffer[:size])).key)
            del self.buffer[:size]
            db.session.commit()

    def finish(self) -> Written:
        """Store the last part; the file's parts, size and checksum."""
        self._store_part()
        self.finished = Written(list(self.keys), self.size, self.digest.hexdigest())
        return self.finished

    def discard(self) -> None:
        """Delete the parts stored so far (the file will not be published)."""
        db.session.rollback()
        if self.keys:
            storage.delete(*self.keys)
            db.session.commit()
        self.keys.clear()

    def __enter__(self) -> PartWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is not None:
            self.discard()


def current_files() -> list[OpenDataFile]:
    """The newest generation of bulk files, in name order (empty before the first build)."""
    newest = db.session.scalar(sa.select(sa.func.max(OpenDataFile.generation)))
    if newest is None:
        return []
    query = sa.select(OpenDataFile).where(OpenDataFile.generation == newest)
    return list(db.session.scalars(query.order_by(OpenDataFile.name)))


def current_file(name: str) -> OpenDataFile | None:
    """The newest file of a name."""
    return next((f for f in current_files() if f.name == name), None)


def read_parts(parts: list[str]) -> Iterator[bytes]:
    """A file's bytes, part by part (a part missing ends the file early: never expected)."""
    for key in parts:
        data = storage.read(key)
        if data is None:
            raise LookupError(f"a part of a bulk file is missing: {key}")
        yield data


def read_all(row: OpenDataFile) -> bytes:
    """A whole file's bytes (tests and small files only)."""
    return b"".join(read_parts(row.parts))


def publish(files: list[OpenDataFile]) -> int:
    """Make a new generation of files current; delete generations before the previous one.

    The previous generation is kept so that a download started before this one finishes.
    Flushed, not committed. Returns the new generation's number.
    """
    generation = (db.session.scalar(sa.select(sa.func.max(OpenDataFile.generation))) or 0) + 1
    for row in files:
        row.generation = generation
        db.session.add(row)
    old = db.session.scalars(
        sa.select(OpenDataFile).where(OpenDataFile.generation < generation - 1)
    ).all()
    for row in old:
        storage.delete(*row.parts)
        db.session.delete(row)
    db.session.flush()
    return generation
