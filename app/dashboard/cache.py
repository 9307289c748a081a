"""A per-process copy of each dashboard: the city's figures need not be recomputed for every
visitor. DASHBOARD_CACHE_SECONDS sets how old a copy may get before it is refreshed (0: every
request computes).

Stale-while-revalidate: when a copy has expired, the request still gets it at once and one
background thread computes the next one, so only the first request of a process waits for the
full computation (see docs/performance-dashboard.md for how long that takes at city scale).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from flask import Flask, current_app

from app.dashboard import services
from app.dashboard.services import Chart, Dashboard
from app.models.base import utcnow


def _compute(admin: bool) -> Dashboard:
    workers = current_app.config["DASHBOARD_WORKERS"]
    return services.build(admin=admin, now=utcnow(), workers=workers)


@dataclass
class DashboardCache:
    """The latest dashboard per audience (public, admin), when it expires, refreshes under way."""

    entries: dict[bool, tuple[float, Dashboard]] = field(default_factory=dict)
    refreshing: dict[bool, threading.Thread] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, app: Flask, admin: bool, ttl: float) -> Dashboard:
        """A copy younger than ttl seconds; an expired one while its successor is computed."""
        if ttl <= 0:
            return _compute(admin)
        with self.lock:
            hit = self.entries.get(admin)
            if hit is None:  # the first request of this process computes (others wait for it)
                dashboard = _compute(admin)
                self.entries[admin] = (time.monotonic() + ttl, dashboard)
                return dashboard
            expires, dashboard = hit
            if time.monotonic() >= expires and admin not in self.refreshing:
                thread = threading.Thread(target=self._refresh, args=(app, admin, ttl), daemon=True)
                self.refreshing[admin] = thread
                thread.start()
            return dashboard

    def _refresh(self, app: Flask, admin: bool, ttl: float) -> None:
        try:
            with app.app_context():
                dashboard = _compute(admin)
            with self.lock:
                self.entries[admin] = (time.monotonic() + ttl, dashboard)
        except Exception:  # keep serving the old copy; the next request tries again
            app.logger.exception("refreshing the dashboard failed")
        finally:
            with self.lock:
                self.refreshing.pop(admin, None)

    def wait(self) -> None:
        """Wait for refreshes under way (tests, shutdown)."""
        with self.lock:
            threads = list(self.refreshing.values())
        for thread in threads:
            thread.join()

    def expire(self) -> None:
        """Mark every copy as expired (the next request triggers a refresh)."""
        with self.lock:
            self.entries = {admin: (0.0, d) for admin, (_, d) in self.entries.items()}

    def clear(self) -> None:
        """Forget every copy (the next request computes)."""
        with self.lock:
            self.entries.clear()


def _cache(app: Flask) -> DashboardCache:
    return app.extensions.setdefault("dashboard_cache", DashboardCache())


def dashboard(app: Flask, admin: bool) -> Dashboard:
    """The dashboard for an audience, refreshed after DASHBOARD_CACHE_SECONDS."""
    return _cache(app).get(app, admin, app.config["DASHBOARD_CACHE_SECONDS"])


def chart(app: Flask, key: str, admin: bool) -> Chart | None:
    """One chart, from the cached dashboard when caching is on (so downloads match the page)."""
    if app.config["DASHBOARD_CACHE_SECONDS"] <= 0:
        return services.chart(key, admin=admin)
    return dashboard(app, admin).chart(key)
