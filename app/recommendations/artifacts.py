"""Index artifacts: the engine and both indexes built once for the deployment, signed, stored
in the database, and loaded by every matcher beside the state it serves.

An artifact is a pickle (the two indexes and the vocabulary the engine is rebuilt from),
written through a temporary file while its SHA-256 is computed, and stored in chunks
(PostgreSQL caps one bytea value at 1 GB). Its HMAC-SHA256, keyed from SECRET_KEY, covers the
metadata and the bytes' digest; a loader streams the chunks to a temporary file, checks size,
digest and HMAC, and only then unpickles: bytes this deployment did not write are refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import pickle
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.matching import Index
from app.matching.features import FEATURES_VERSION
from app.models import IndexArtifact, IndexArtifactChunk
from app.models.base import utcnow
from app.recommendations import feed
from app.recommendations.state import ENGINES, Served, Vocabulary

logger = logging.getLogger(__name__)

FORMAT = 2  # bump when the pickled layout (or a pickled class) changes incompatibly
# 2: vocabularies carry term weights, document frequencies and the background factor (issue 15)
CHUNK_BYTES = 64 * 1024 * 1024
KEEP = 3  # artifacts kept; older ones are deleted after a new one is stored
_KEY_CONTEXT = b"jinan-matching-index-artifact-v1"
_COPY = 1024 * 1024


class ArtifactRefused(Exception):
    """An artifact that must not be loaded: tampered, truncated, or from other code."""


@dataclass(frozen=True)
class Stored:
    """What `store` wrote: the row's id and version."""

    id: int
    version: str
    size: int


def _key(secret: str) -> bytes:
    """A key of its own for artifacts, derived from the app's SECRET_KEY."""
    return hmac.new(secret.encode(), _KEY_CONTEXT, hashlib.sha256).digest()


def _signed_fields(row: IndexArtifact) -> bytes:
    fields = {
        "version": row.version,
        "vocabulary": row.vocabulary,
        "features_version": row.features_version,
        "format": row.format,
        "feed_cursor": row.feed_cursor,
        "scenarios": row.scenarios,
        "capabilities": row.capabilities,
        "size": row.size,
        "sha256": row.sha256,
    }
    return json.dumps(fields, sort_keys=True).encode()


def signature(row: IndexArtifact, secret: str) -> str:
    """HMAC-SHA256 over an artifact's metadata (which holds its bytes' digest)."""
    return hmac.new(_key(secret), _signed_fields(row), hashlib.sha256).hexdigest()


class _HashingWriter:
    """A file wrapper that counts and hashes what is written through it."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes | memoryview | pickle.PickleBuffer) -> int:
        view = memoryview(data)  # protocol 5 hands large arrays over as PickleBuffers
        self.digest.update(view)
        self.size += view.nbytes
        return self.target.write(view)


def _payload(served: Served) -> dict[str, Any]:
    vocabulary = served.vocabulary
    return {
        "format": FORMAT,
        "vocabulary": [list(vocabulary.words), list(vocabulary.groups), vocabulary.model],
        "built_at": served.built_at.isoformat(),
        "indexes": served.indexes,  # one pickle: the shared topic space stays shared
    }


def store(
    session: Session,
    served: Served,
    position: feed.Position,
    secret: str,
    build_seconds: float,
) -> Stored:
    """Write an artifact of `served` (built as of `position`) and the 'engine' feed row that
    names it, in the session's transaction (flushed; the caller commits)."""
    with tempfile.TemporaryFile(prefix="matching-artifact-") as spool:
        writer = _HashingWriter(spool)
        pickle.dump(_payload(served), writer, protocol=pickle.HIGHEST_PROTOCOL)
        sha = writer.digest.hexdigest()
        row = IndexArtifact(
            version=f"{served.built_at:%Y%m%dT%H%M%S}-{sha[:8]}",
            created_at=utcnow(),
            vocabulary=served.vocabulary.fingerprint,
            features_version=FEATURES_VERSION,
            format=FORMAT,
            feed_cursor=position.mark,
            scenarios=len(served.indexes["scenario"]),
            capabilities=len(served.indexes["capability"]),
            size=writer.size,
            sha256=sha,
            hmac="",
            build_seconds=round(build_seconds, 3),
        )
        row.hmac = signature(row, secret)
        session.add(row)
        session.flush()
        spool.seek(0)
        for seq, chunk in enumerate(iter(lambda: spool.read(CHUNK_BYTES), b"")):
            session.execute(
                sa.insert(IndexArtifactChunk), [{"artifact_id": row.id, "seq": seq, "data": chunk}]
            )
    feed.record_artifact(session, row.id)
    session.flush()
    return Stored(row.id, row.version, row.size)


def prune(session: Session, keep: int = KEEP) -> int:
    """Delete all but the newest `keep` artifacts (flushed); return how many went."""
    ids = session.scalars(sa.select(IndexArtifact.id).order_by(IndexArtifact.id.desc())).all()
    old = list(ids[max(keep, 1) :])
    if old:
        session.execute(
            sa.delete(IndexArtifactChunk).where(IndexArtifactChunk.artifact_id.in_(old))
        )
        session.execute(sa.delete(IndexArtifact).where(IndexArtifact.id.in_(old)))
    return len(old)


def compatible() -> sa.ColumnElement[bool]:
    """Artifacts this code can load: its pickled layout and its features version."""
    return sa.and_(
        IndexArtifact.format == FORMAT, IndexArtifact.features_version == FEATURES_VERSION
    )


def newest(session: Session, not_before: datetime | None = None) -> IndexArtifact | None:
    """The newest compatible artifact (built after `not_before`, when given)."""
    query = sa.select(IndexArtifact).where(compatible())
    if not_before is not None:
        query = query.where(IndexArtifact.created_at >= not_before)
    return session.scalar(query.order_by(IndexArtifact.id.desc()).limit(1))


def _spool(session: Session, row: IndexArtifact, target: IO[bytes]) -> tuple[int, str]:
    """Copy the artifact's chunks into target, one at a time; return size and digest."""
    digest, size = hashlib.sha256(), 0
    query = (
        sa.select(IndexArtifactChunk.seq, IndexArtifactChunk.data)
        .where(IndexArtifactChunk.artifact_id == row.id)
        .order_by(IndexArtifactChunk.seq)
        .execution_options(yield_per=1)
    )
    for expected, (seq, data) in enumerate(session.execute(query)):
        if seq != expected:
            raise ArtifactRefused(f"artifact {row.version}: chunk {expected} is missing")
        digest.update(data)
        size += len(data)
        target.write(data)
    return size, digest.hexdigest()


def load(session: Session, row: IndexArtifact, seed_dir: Path, secret: str) -> Served:
    """The state an artifact holds; ArtifactRefused unless its signature and bytes check out.

    Nothing is unpickled before the HMAC and the digest of the bytes read are verified.
    """
    started = time.perf_counter()
    if not row.hmac or not hmac.compare_digest(row.hmac, signature(row, secret)):
        raise ArtifactRefused(f"artifact {row.version}: signature does not match (not ours)")
    if row.format != FORMAT or row.features_version != FEATURES_VERSION:
        raise ArtifactRefused(f"artifact {row.version}: built by other code")
    with tempfile.TemporaryFile(prefix="matching-artifact-") as spool:
        size, sha = _spool(session, row, spool)
        if size != row.size or not hmac.compare_digest(sha, row.sha256):
            raise ArtifactRefused(f"artifact {row.version}: bytes do not match their signature")
        spool.seek(0)
        payload = pickle.load(spool)  # noqa: S301 -- verified above: written by this deployment
    words, groups, model = payload["vocabulary"]
    vocabulary = Vocabulary(tuple(words), tuple(groups), model)
    indexes: dict[str, Index] = payload["indexes"]
    served = Served(
        ENGINES.get(seed_dir, vocabulary),
        indexes,
        vocabulary,
        row.version,
        datetime.fromisoformat(payload["built_at"]),
        row.id,
    )
    logger.info(
        "index artifact %s loaded in %.1f s (%d MiB)",
        row.version,
        time.perf_counter() - started,
        row.size // (1024 * 1024),
    )
    return served
