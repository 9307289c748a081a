"""Keyset pages of any ordered query: the rows after a cursor's position, and the next one.

A position is the list of the order's key values of the last row returned, as JSON (dates
and times in ISO 8601). ``Key`` says how to read one back and how the order runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from app.api.paging import BAD_CURSOR
from app.errors.problems import abort_problem
from app.extensions import db
from app.paging import MAX_ID


def _as_int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_ID:
        raise ValueError(value)
    return value


def _as_date(value: Any) -> date:
    return date.fromisoformat(value)


def _as_datetime(value: Any) -> datetime:
    return datetime.fromisoformat(value)


READERS: dict[str, Callable[[Any], Any]] = {
    "id": _as_int,
    "date": _as_date,
    "datetime": _as_datetime,
}


@dataclass(frozen=True)
class Key:
    """One term of a unique order: its column, how JSON reads back, its direction."""

    column: Any
    kind: str  # "id", "date" or "datetime" (never NULL in the rows paged)
    descending: bool = True

    def order(self) -> Any:
        return self.column.desc() if self.descending else self.column.asc()

    def beyond(self, value: Any) -> Any:
        return self.column < value if self.descending else self.column > value


def _after(keys: Sequence[Key], values: Sequence[Any]) -> sa.ColumnElement[bool]:
    """Rows after the position in the order (lexicographic on the keys)."""
    first, *rest = list(zip(keys, values, strict=True))
    key, value = first
    if not rest:
        return key.beyond(value)
    return sa.or_(key.beyond(value), sa.and_(key.column == value, _after(keys[1:], values[1:])))


def read_position(keys: Sequence[Key], position: list[Any] | None) -> list[Any] | None:
    """A decoded cursor's values, typed; a position of another shape is a 400 problem."""
    if position is None:
        return None
    try:
        if len(position) != len(keys):
            raise ValueError(position)
        return [READERS[key.kind](value) for key, value in zip(keys, position, strict=True)]
    except (TypeError, ValueError):
        abort_problem(400, BAD_CURSOR)


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def page(
    query: sa.Select, keys: Sequence[Key], position: list[Any] | None, limit: int
) -> tuple[list[Any], list[Any] | None]:
    """Up to `limit` rows after the position, and the position after them (None: the end)."""
    values = read_position(keys, position)
    if values is not None:
        query = query.where(_after(keys, values))
    rows = list(db.session.scalars(query.order_by(*(k.order() for k in keys)).limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], [_json(getattr(last, k.column.key)) for k in keys]
