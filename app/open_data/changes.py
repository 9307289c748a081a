"""The public change feed: every release after a cursor, never skipping a late commit.

The idea is the matching feed's (app/recommendations/feed.py, docs/matching.md "Freshness"),
shaped for an opaque cursor that a partner keeps between HTTP calls.

PostgreSQL allocates ids at flush, not at commit, so a later id can commit first. Each release
records its writing transaction (`xact`); the feed is ordered by (xact, id) and read in one
REPEATABLE READ read-only snapshot whose first statement takes the oldest transaction still
running (`pg_snapshot_xmin`, the horizon). A transaction below the horizon has ended, so its
rows, if committed, are in the snapshot; rows of newer transactions may be joined later by
an older transaction's rows. The cursor therefore holds:

* mark: every transaction below it with releases has been delivered;
* seen: the transactions at or above the mark already delivered whole (usually none or a
  few: those newer than the oldest transaction running at the last read);
* partial: (xact, id) when a page ended inside one transaction's rows (a limit was reached):
  the next page finishes that transaction first.

A transaction's rows become visible at once (commit is atomic), so "delivered whole" is
exact. SQLite has one writer at a time: ids commit in order and the cursor is the last id.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import ListingRelease
from app.recommendations.feed import is_postgresql, snapshot

__all__ = ["Cursor", "CursorError", "Page", "decode", "encode", "position_now", "read", "snapshot"]

MAX_LIMIT = 500
MAX_SEEN = 2000  # a cursor naming more transactions is refused as malformed
_PREFIX = "c1."


class CursorError(ValueError):
    """The cursor was not given by this feed (malformed or tampered with)."""


@dataclass(frozen=True)
class Cursor:
    """Where a consumer stands (see the module docstring)."""

    mark: int = 0
    seen: tuple[int, ...] = ()
    partial: tuple[int, int] | None = None


@dataclass(frozen=True)
class Page:
    """Releases in feed order and the cursor to ask from next."""

    releases: list[ListingRelease]
    cursor: Cursor
    more: bool = field(default=False)


def encode(cursor: Cursor) -> str:
    """The opaque text form: c1. + base64url(JSON), seen as offsets from the mark."""
    body = [cursor.mark, [x - cursor.mark for x in cursor.seen], list(cursor.partial or [])]
    raw = json.dumps(body, separators=(",", ":")).encode()
    return _PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(text: str) -> Cursor:
    """The cursor a text names; CursorError when it is not one this feed gave."""
    if not text.startswith(_PREFIX) or len(text) > 40_000:
        raise CursorError("unknown cursor format")
    payload = text[len(_PREFIX) :]
    try:
        body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise CursorError("cursor is not valid base64 JSON") from exc
    return _checked(body)


def _checked(body: Any) -> Cursor:
    if not (isinstance(body, list) and len(body) == 3):
        raise CursorError("cursor has the wrong shape")
    mark, offsets, partial = body
    if not _count(mark) or not isinstance(offsets, list) or len(offsets) > MAX_SEEN:
        raise CursorError("cursor has the wrong shape")
    if not all(_count(x) for x in offsets) or offsets != sorted(set(offsets)):
        raise CursorError("cursor has the wrong shape")
    if not (isinstance(partial, list) and len(partial) in (0, 2) and all(map(_count, partial))):
        raise CursorError("cursor has the wrong shape")
    seen = tuple(mark + x for x in offsets)
    return Cursor(mark, seen, (partial[0], partial[1]) if partial else None)


def _count(value: Any) -> bool:
    return type(value) is int and 0 <= value < 2**63


def _horizon(session: Session) -> int:
    """The oldest transaction still running (must be the snapshot's first statement)."""
    return int(
        session.scalar(sa.text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"))
    )


def read(session: Session, cursor: Cursor, limit: int) -> Page:
    """The next releases after `cursor` (at most `limit`), in a snapshot session.

    When more than MAX_SEEN transactions committed behind one still running (a transaction
    open for a very long time), the page is empty until it ends: the cursor stays valid and
    nothing is skipped, the feed only waits.
    """
    page = _read(session, cursor, max(1, min(limit, MAX_LIMIT)))
    if len(page.cursor.seen) > MAX_SEEN:
        return Page([], cursor, False)
    return page


def _read(session: Session, cursor: Cursor, limit: int) -> Page:
    if not is_postgresql(session):
        rows = session.scalars(
            sa.select(ListingRelease)
            .where(ListingRelease.id > cursor.mark)
            .order_by(ListingRelease.id)
            .limit(limit + 1)
        ).all()
        page = list(rows[:limit])
        return Page(page, Cursor(page[-1].id if page else cursor.mark), len(rows) > limit)
    horizon = _horizon(session)
    if cursor.partial is not None:
        return _finish_partial(session, cursor, limit)
    return _read_by_transaction(session, cursor, limit, horizon)


def _finish_partial(session: Session, cursor: Cursor, limit: int) -> Page:
    assert cursor.partial is not None  # noqa: S101 - the caller checked
    xact, after = cursor.partial
    rows = session.scalars(
        sa.select(ListingRelease)
        .where(ListingRelease.xact == xact, ListingRelease.id > after)
        .order_by(ListingRelease.id)
        .limit(limit + 1)
    ).all()
    page = list(rows[:limit])
    if len(rows) > limit:
        return Page(page, Cursor(cursor.mark, cursor.seen, (xact, page[-1].id)), True)
    seen = tuple(sorted(set(cursor.seen) | {xact}))
    return Page(page, Cursor(cursor.mark, seen), True)  # more: other transactions may follow


def _read_by_transaction(session: Session, cursor: Cursor, limit: int, horizon: int) -> Page:
    query = sa.select(ListingRelease).where(ListingRelease.xact >= cursor.mark)
    if cursor.seen:
        query = query.where(ListingRelease.xact.not_in(cursor.seen))
    rows = session.scalars(
        query.order_by(ListingRelease.xact, ListingRelease.id).limit(limit + 1)
    ).all()
    page = list(rows[:limit])
    delivered = set(cursor.seen)
    if len(rows) <= limit:  # everything visible is delivered
        mark = max(horizon, cursor.mark)
        delivered |= {row.xact for row in page if row.xact is not None}
        return Page(page, Cursor(mark, tuple(sorted(x for x in delivered if x >= mark))))
    last = page[-1].xact or 0
    last_whole = rows[limit].xact != last
    delivered |= {row.xact for row in page if row.xact is not None and row.xact != last}
    if last_whole:
        delivered.add(last)
    # below both the horizon and the last transaction delivered, nothing more can appear
    mark = max(cursor.mark, min(horizon, last))
    seen = tuple(sorted(x for x in delivered if x >= mark))
    partial = None if last_whole else (last, page[-1].id)
    return Page(page, Cursor(mark, seen, partial), True)


def position_now(session: Session) -> Cursor:
    """The cursor of a consumer that has every release this snapshot holds (first statement)."""
    if not is_postgresql(session):
        last = session.scalar(sa.select(sa.func.coalesce(sa.func.max(ListingRelease.id), 0)))
        return Cursor(int(last or 0))
    horizon = _horizon(session)
    seen = session.scalars(
        sa.select(ListingRelease.xact).where(ListingRelease.xact >= horizon).distinct()
    ).all()
    return Cursor(horizon, tuple(sorted(x for x in seen if x is not None)))
