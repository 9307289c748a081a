"""Figures follow changes within seconds: a commit that changes what they count drops the
stored dashboards, so the next request computes them afresh (app/dashboard/cache.py).

Without this the stored copy was served until the minutely job replaced it (up to a minute,
more when the scheduler lagged). The public pages of anonymous visitors are also kept by the
page cache for PAGE_CACHE_SECONDS (app/runtime/page_cache.py), which bounds the delay there.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import (
    Capability,
    DashboardSnapshot,
    Engagement,
    EngagementEvent,
    Organization,
    Recommendation,
    Scenario,
)
from app.runtime.sqlite import writing

logger = logging.getLogger(__name__)
COUNTED = (Scenario, Capability, Engagement, EngagementEvent, Organization, Recommendation)
CHANGED = "figures_changed"  # session.info key: this transaction changed a counted row


@event.listens_for(Session, "after_flush")
def _note_change(session: Session, _context: Any) -> None:
    touched = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, COUNTED) for obj in touched):
        session.info[CHANGED] = True


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous: Any) -> None:
    if not previous.nested:  # a released savepoint leaves the outer transaction's changes
        session.info.pop(CHANGED, None)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction() or not session.info.pop(CHANGED, False):
        return
    if has_app_context() and current_app.config["DASHBOARD_CACHE_SECONDS"] > 0:
        invalidate()


def invalidate() -> None:
    """Drop the stored dashboards (in a short transaction of its own); never fails the caller."""
    try:
        with writing(), Session(db.engine) as session:
            session.execute(sa.delete(DashboardSnapshot))
            session.commit()
    except sa.exc.SQLAlchemyError:  # the job recomputes them within a minute anyway
        logger.warning("dashboard snapshots not invalidated", exc_info=True)
