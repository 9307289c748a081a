"""Which copy of the dashboard a visitor gets.

The `dashboard.refresh` job computes both audiences' dashboards every minute and stores them
(app/dashboard/snapshots.py); pages serve the stored copy, so no request computes the city's
figures and every machine shows the same ones. DASHBOARD_CACHE_SECONDS is the age a copy may
reach: 0 computes on every request (the tests); a copy much older than it (the scheduler has
stopped) is recomputed on the spot rather than served for ever.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from app.dashboard import assemble, snapshots
from app.dashboard.tables import Chart, Dashboard
from app.models.base import utcnow

# served up to this many times DASHBOARD_CACHE_SECONDS old before being recomputed in-request
STALE_FACTOR = 10


def compute(app: Flask, admin: bool) -> Dashboard:
    """A dashboard computed now."""
    return assemble.build(admin=admin, now=utcnow(), workers=app.config["DASHBOARD_WORKERS"])


def refresh(app: Flask) -> None:
    """Compute and store both audiences' dashboards (the job's work)."""
    for admin in (False, True):
        snapshots.store(compute(app, admin))


def dashboard(app: Flask, admin: bool) -> Dashboard:
    """The stored dashboard of an audience, computed (and stored) when none is usable."""
    ttl = app.config["DASHBOARD_CACHE_SECONDS"]
    if ttl <= 0:
        return compute(app, admin)
    stored = snapshots.load(admin)
    too_old = utcnow() - timedelta(seconds=ttl * STALE_FACTOR)
    if stored is not None and stored.generated_at and stored.generated_at >= too_old:
        return stored
    fresh = compute(app, admin)
    snapshots.store(fresh)
    return fresh


def chart(app: Flask, key: str, admin: bool) -> Chart | None:
    """One chart, from the copy the page shows (so downloads match the page)."""
    if app.config["DASHBOARD_CACHE_SECONDS"] <= 0:
        return assemble.chart(key, admin=admin)
    return dashboard(app, admin).chart(key)
