"""A per-process, short-lived copy of each dashboard: the city's figures need not be
recomputed for every visitor. DASHBOARD_CACHE_SECONDS sets the age limit (0 turns it off)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from flask import Flask

from app.dashboard import services
from app.dashboard.services import Chart, Dashboard
from app.models.base import utcnow


@dataclass
class DashboardCache:
    """The latest dashboard per audience (public, admin) and when it expires."""

    entries: dict[bool, tuple[float, Dashboard]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, admin: bool, ttl: float) -> Dashboard:
        """The cached dashboard if younger than ttl seconds, else a freshly computed one."""
        if ttl <= 0:
            return services.build(admin=admin, now=utcnow())
        with self.lock:  # one computation at a time per process, not one per waiting request
            hit = self.entries.get(admin)
            if hit is not None and time.monotonic() < hit[0]:
                return hit[1]
            dashboard = services.build(admin=admin, now=utcnow())
            self.entries[admin] = (time.monotonic() + ttl, dashboard)
            return dashboard

    def clear(self) -> None:
        """Forget every cached dashboard."""
        with self.lock:
            self.entries.clear()


def _cache(app: Flask) -> DashboardCache:
    return app.extensions.setdefault("dashboard_cache", DashboardCache())


def dashboard(app: Flask, admin: bool) -> Dashboard:
    """The dashboard for an audience, at most DASHBOARD_CACHE_SECONDS old."""
    return _cache(app).get(admin, app.config["DASHBOARD_CACHE_SECONDS"])


def chart(app: Flask, key: str, admin: bool) -> Chart | None:
    """One chart, from the cached dashboard when caching is on (so downloads match the page)."""
    if app.config["DASHBOARD_CACHE_SECONDS"] <= 0:
        return services.chart(key, admin=admin)
    return dashboard(app, admin).chart(key)
