"""Dashboards stored as JSON, so every app machine serves the figures one job computed."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.dashboard.tables import Chart, Dashboard, Summary
from app.extensions import db
from app.models import DashboardSnapshot
from app.runtime.sqlite import writing

SUMMARY_FIELDS = tuple(f.name for f in fields(Summary))


def audience(admin: bool) -> str:
    """The snapshot key of a dashboard's audience."""
    return "admin" if admin else "public"


def to_json(dashboard: Dashboard) -> dict[str, Any]:
    """A dashboard as JSON values (tuples become lists)."""
    return {
        "summary": vars(dashboard.summary),
        "charts": [vars(chart) for chart in dashboard.charts],
    }


def from_json(data: dict[str, Any], admin: bool, generated_at: datetime) -> Dashboard:
    """The dashboard a snapshot holds."""
    charts = tuple(
        Chart(**{**c, "columns": tuple(c["columns"]), "rows": tuple(map(tuple, c["rows"]))})
        for c in data["charts"]
    )
    return Dashboard(Summary(**data["summary"]), charts, admin=admin, generated_at=generated_at)


def store(dashboard: Dashboard) -> None:
    """Replace the audience's snapshot (in a short transaction of its own)."""
    generated = dashboard.generated_at or datetime.now(UTC)
    try:
        with writing(), Session(db.engine) as session:
            session.merge(
                DashboardSnapshot(
                    audience=audience(dashboard.admin),
                    generated_at=generated,
                    data=to_json(dashboard),
                )
            )
            session.commit()
    except sa.exc.IntegrityError:
        # after a change dropped the copy, another request stored its own at the same moment
        # (merge is SELECT then INSERT): that copy serves as well as this one
        return


def load(admin: bool) -> Dashboard | None:
    """The audience's latest snapshot, or None before the first one."""
    row = db.session.get(DashboardSnapshot, audience(admin))
    if row is None or set(SUMMARY_FIELDS) - set(row.data.get("summary", {})):
        return None  # none yet, or stored by a version with fewer figures: computed afresh
    generated = row.generated_at
    if generated.tzinfo is None:  # SQLite hands back naive UTC
        generated = generated.replace(tzinfo=UTC)
    return from_json(row.data, admin, generated)
