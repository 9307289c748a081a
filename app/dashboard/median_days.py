"""Median days from a scenario's publication to its first engagement (two SQL forms)."""

from __future__ import annotations

import sqlalchemy as sa

from app.dashboard.aggregates import days_between, dialect
from app.extensions import db
from app.models import Engagement, Scenario


def _first_engagement_days() -> sa.Subquery:
    """Per published scenario with engagements: days from publication to its first engagement.

    The first contact per scenario is found first (one pass over an index), and only those
    rows are joined to their scenarios: joining every engagement first is twice as slow.
    """
    first = (
        sa.select(Engagement.scenario_id, sa.func.min(Engagement.created_at).label("first"))
        .group_by(Engagement.scenario_id)
        .subquery()
    )
    return (
        sa.select(days_between(first.c.first, Scenario.published_at).label("days"))
        .select_from(first)
        .join(Scenario, Scenario.id == first.c.scenario_id)
        .where(Scenario.published_at.is_not(None))
        .subquery()
    )


def median_days_to_first_engagement() -> float | None:
    """The median, by percentile_cont on PostgreSQL, else by the portable ORDER BY/OFFSET form."""
    if dialect() == "postgresql":
        return median_days_percentile_cont()
    return median_days_portable()


def median_days_percentile_cont() -> float | None:
    """PostgreSQL's ordered-set aggregate over the per-scenario day differences."""
    days = _first_engagement_days()
    value = db.session.scalar(sa.select(sa.func.percentile_cont(0.5).within_group(days.c.days)))
    return None if value is None else round(float(value), 1)


def median_days_portable() -> float | None:
    """Any SQL database with window functions: average the one or two middle values."""
    days = _first_engagement_days()
    ranked = sa.select(
        days.c.days,
        sa.func.row_number().over(order_by=days.c.days).label("rn"),
        sa.func.count().over().label("n"),
    ).subquery()
    middle = sa.or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2)
    value = db.session.scalar(sa.select(sa.func.avg(ranked.c.days)).where(middle))
    return None if value is None else round(float(value), 1)
