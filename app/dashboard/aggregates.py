"""Portable SQL pieces of the dashboard's aggregations, and the figures shared within one build."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta, timezone
from typing import Any, TypeVar

import sqlalchemy as sa

from app.extensions import db
from app.models import Capability, EngagementStage, Scenario

SIGNED = (EngagementStage.SIGNED, EngagementStage.LANDED)
BEIJING = timezone(timedelta(hours=8))
T = TypeVar("T")


# figures shared by several charts, computed once per dashboard build (None outside a build)
MEMO: ContextVar[dict[str, Any] | None] = ContextVar("dashboard_memo", default=None)


def dialect() -> str:
    """The database's dialect name (postgresql or sqlite)."""
    return db.session.get_bind().dialect.name


def month_of(column: Any, *, is_date: bool = False) -> Any:
    """YYYY-MM of a timestamp in Beijing time (or of a date), computed by the database."""
    if dialect() == "postgresql":
        local = column if is_date else sa.func.timezone("Asia/Shanghai", column)
        return sa.func.to_char(local, "YYYY-MM")
    if is_date:
        return sa.func.strftime("%Y-%m", column)
    return sa.func.strftime("%Y-%m", column, "+8 hours")


def days_between(later: Any, earlier: Any) -> Any:
    """later - earlier in (fractional) days."""
    if dialect() == "postgresql":
        return sa.func.extract("epoch", later - earlier) / 86400.0
    return sa.func.julianday(later) - sa.func.julianday(earlier)


def count_if(condition: Any) -> Any:
    """How many rows of a group meet the condition (0, not NULL, when none)."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def as_amount(value: Any) -> float:
    """A SQL sum (Decimal, int, float or NULL) as a float rounded to fen."""
    return round(float(value or 0), 2)


def as_int(value: Any) -> int:
    """A SQL count (or NULL) as an int."""
    return int(value or 0)


def ever_published(model: type[Scenario] | type[Capability]) -> Any:
    """Published at least once (closed and expired listings stay in the record)."""
    return model.published_at.is_not(None)


def percent(part: int, whole: int) -> float | None:
    """part of whole in percent, to one decimal (None of nothing)."""
    return round(100.0 * part / whole, 1) if whole else None


@contextmanager
def one_build() -> Iterator[None]:
    """Within this block, a figure several charts share is computed once (they agree)."""
    token = MEMO.set({})
    try:
        yield
    finally:
        MEMO.reset(token)


def shared_figure(key: str, compute: Callable[[], T]) -> T:
    """compute(), or its result from earlier in the same build (once, even across workers)."""
    memo = MEMO.get()
    if memo is None:
        return compute()
    with memo.setdefault(f"lock:{key}", threading.Lock()):  # setdefault is atomic
        if key not in memo:
            memo[key] = compute()
    result: T = memo[key]
    return result
