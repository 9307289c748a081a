"""The change feed (match_changes): read so that no committed change is ever skipped.

Writers add a row in the transaction that changes a listing (`provider.record_change`) or
publishes an index artifact (`artifacts.store`). Readers (every matcher) keep a `Position`.

PostgreSQL allocates row ids when a row is flushed, not when its transaction commits, so a
later id can commit first; "every id above the last one seen" would then skip the earlier id
forever. Each row therefore records the id of the transaction that wrote it (`xact`, a
column default), and a reader reads, in ONE snapshot (a REPEATABLE READ read-only
transaction), the oldest transaction still running (`pg_snapshot_xmin`) and every row of a
transaction at least as new as its previous position. Every transaction older than that
mark has ended, so its rows, if committed, are in the snapshot; rows of newer transactions
are read again next time, and the ids of those already applied are kept so they are applied
once. Applying a change reloads the listing's current state, so applying one twice, or two
in another order than they committed, gives the same result.

SQLite has one writer at a time, so ids commit in order there: the position is the last id.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import MatchChange
from app.models.base import utcnow

# Rows older than this are pruned; a matcher whose last read is older rebuilds instead.
KEEP_DAYS = 7


@dataclass(frozen=True)
class Change:
    """One feed row, detached from its session."""

    id: int
    side: str  # 'scenario', 'capability' or 'engine'
    listing_id: int | None
    op: str
    artifact_id: int | None


@dataclass(frozen=True)
class Position:
    """Where a reader stands in the feed.

    mark: PostgreSQL, the oldest transaction running at the last read (every row of an older
    transaction was seen); SQLite, the last id applied. applied: PostgreSQL only, the ids of
    rows at or above the mark that were already applied.
    """

    mark: int
    applied: frozenset[int] = field(default_factory=frozenset)


def is_postgresql(session: Session) -> bool:
    """Whether the session talks to PostgreSQL (the transaction-id path)."""
    return session.get_bind().dialect.name == "postgresql"


@contextmanager
def snapshot(engine: sa.Engine) -> Iterator[Session]:
    """A session whose reads all see one moment (read-only), closed afterwards.

    On PostgreSQL one REPEATABLE READ READ ONLY transaction: the feed position, the feed rows
    and the listings they name are read from the same snapshot. SQLite reads committed data
    statement by statement, which its in-order ids make safe.
    """
    with Session(engine) as session:
        if engine.dialect.name == "postgresql":
            session.connection(
                execution_options={
                    "isolation_level": "REPEATABLE READ",
                    "postgresql_readonly": True,
                }
            )
        try:
            yield session
        finally:
            session.rollback()


def start(session: Session) -> Position:
    """The position of a reader that has seen everything this snapshot holds.

    Must be the snapshot's first statement when the caller then reads listings in it (an
    index built from them is then exactly "everything before this position").
    """
    if is_postgresql(session):
        mark = _oldest_running(session)
        # rows of newer transactions already in this snapshot are in what it built
        seen = session.scalars(sa.select(MatchChange.id).where(MatchChange.xact >= mark))
        return Position(mark, frozenset(seen))
    last = session.scalar(sa.select(sa.func.coalesce(sa.func.max(MatchChange.id), 0)))
    return Position(int(last or 0))


def _oldest_running(session: Session) -> int:
    return int(
        session.scalar(sa.text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"))
    )


def read(session: Session, position: Position) -> tuple[list[Change], Position]:
    """The changes not applied yet, in id order, and the position once they are applied."""
    if is_postgresql(session):
        return _read_by_transaction(session, position)
    rows = session.scalars(
        sa.select(MatchChange).where(MatchChange.id > position.mark).order_by(MatchChange.id)
    ).all()
    changes = [_detached(row) for row in rows]
    return changes, Position(changes[-1].id if changes else position.mark)


def _read_by_transaction(session: Session, position: Position) -> tuple[list[Change], Position]:
    mark = max(_oldest_running(session), position.mark)  # first: it fixes the snapshot
    rows = session.execute(
        sa.select(MatchChange, MatchChange.xact)
        .where(MatchChange.xact >= position.mark)
        .order_by(MatchChange.id)
    ).all()
    fresh = [_detached(row) for row, _ in rows if row.id not in position.applied]
    applied = frozenset(row.id for row, xact in rows if xact is not None and xact >= mark)
    return fresh, Position(mark, applied)


def _detached(row: MatchChange) -> Change:
    return Change(row.id, row.side, row.listing_id, row.op, row.artifact_id)


def pending(session: Session, position: Position) -> int:
    """How many committed changes a reader at `position` has not applied (read-only)."""
    changes, _ = read(session, position)
    return len(changes)


def record(session: Session, side: str, listing_id: int | None, op: str) -> None:
    """Add a row to the feed in the session's transaction (applied once it commits)."""
    session.add(MatchChange(side=side, listing_id=listing_id, op=op))


def record_artifact(session: Session, artifact_id: int) -> None:
    """Tell every matcher to switch to an index artifact (once the transaction commits)."""
    session.add(MatchChange(side="engine", op="reload", artifact_id=artifact_id))


def prune(session: Session, days: int = KEEP_DAYS, now: datetime | None = None) -> int:
    """Delete feed rows older than `days`; return how many (flushed, not committed).

    A matcher that has not read the feed for that long (or starts from an artifact that old)
    rebuilds from the database instead of following, so no reader relies on a pruned row.
    """
    if days < 1:
        raise ValueError("keep at least one day of the change feed")
    cutoff = (now or utcnow()) - timedelta(days=days)
    result = session.execute(sa.delete(MatchChange).where(MatchChange.created_at < cutoff))
    # DML runs as a CursorResult (rowcount); Session.execute is typed as returning a Result
    return int(cast("sa.CursorResult[Any]", result).rowcount or 0)


def sides(changes: Sequence[Change]) -> dict[str, list[int]]:
    """The listing ids each side's changes name, each once, in feed order."""
    out: dict[str, dict[int, None]] = {}
    for change in changes:
        if change.side != "engine" and change.listing_id is not None:
            out.setdefault(change.side, {})[change.listing_id] = None
    return {side: list(ids) for side, ids in out.items()}
