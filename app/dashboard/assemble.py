"""The city's figures, each computed by SQL aggregation and returned as plain dataclasses.

Every chart is a small table (columns and rows) so the same object feeds the chart, its
accessible table fallback and the CSV/XLSX downloads. Public charts hold aggregates only;
charts marked private (organisation-level amounts, rejection reasons, unpublished listings)
exist only on the administrators' dashboard.

Definitions (shown on the page too):
- a listing counts as published when it has been published at least once (published_at set),
  so closed and expired ones stay in the city's record; supply and demand of technologies
  use what is on offer now (status 已发布);
- an engagement is signed when its stage is 已签约 or 已落地;
- months are Beijing time (UTC+8, no daylight saving).

Speed (docs/performance-dashboard.md): a dashboard is built from about twenty aggregate queries
that read narrow covering indexes (app/models/reporting.py); figures several charts share are
computed once per build (`aggregates.shared_figure`); timestamps are bucketed into months by counting index
ranges between month boundaries rather than formatting every row's date; and `build` can run
the summary and the charts on several connections at once (DASHBOARD_WORKERS).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import partial
from typing import Any

from flask import current_app

from app.dashboard.aggregates import MEMO, one_build
from app.dashboard.headline import summary
from app.dashboard.private_charts import firm_contracts, listing_statuses, rejection_reasons
from app.dashboard.public_charts import (
    by_district,
    by_domain,
    by_month,
    by_technology,
    contracts,
    funnel,
    local_share,
    origins,
    recommendations,
)
from app.dashboard.tables import Chart, Dashboard
from app.extensions import db

PUBLIC_CHARTS: dict[str, Callable[[], Chart]] = {
    "domains": by_domain,
    "months": by_month,
    "technologies": by_technology,
    "districts": by_district,
    "funnel": funnel,
    "origins": origins,
    "contracts": contracts,
    "local": local_share,
}
# the review queue's outcomes (pending pairs among them) are internal: administrators only
PRIVATE_CHARTS: dict[str, Callable[[], Chart]] = {
    "recommendations": recommendations,
    "statuses": listing_statuses,
    "firms": firm_contracts,
    "rejections": rejection_reasons,
}


def chart_keys(admin: bool) -> Sequence[str]:
    """The charts a dashboard shows, in page order."""
    return [*PUBLIC_CHARTS, *(PRIVATE_CHARTS if admin else ())]


def chart(key: str, admin: bool) -> Chart | None:
    """One chart (for a download); None when unknown or not for this audience."""
    builders = {**PUBLIC_CHARTS, **(PRIVATE_CHARTS if admin else {})}
    return builders[key]() if key in builders else None


def build(admin: bool, now: datetime | None = None, workers: int = 1) -> Dashboard:
    """The whole dashboard: public aggregates, plus the private charts for administrators.

    With workers > 1 the summary and the charts are computed concurrently, each worker in its
    own app context (own session and connection): the queries are independent and the
    database does the work (SQLite releases the GIL while it runs a query).
    """
    tasks: list[Callable[[], Any]] = [
        summary,
        *(partial(chart, k, admin) for k in chart_keys(admin)),
    ]
    with one_build():
        if workers > 1 and _shares_connections():
            results = _concurrently(tasks, workers)
        else:
            results = [task() for task in tasks]
    charts = tuple(c for c in results[1:] if c is not None)
    return Dashboard(results[0], charts, admin=admin, generated_at=now)


def _shares_connections() -> bool:
    """Whether other connections see this database (not an in-memory SQLite one)."""
    url = db.engine.url
    return not (url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"))


def _concurrently(tasks: Sequence[Callable[[], Any]], workers: int) -> list[Any]:
    """Each task's result, in order, computed by a pool of workers sharing this build's memo."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # typed as Flask, a proxy
    memo = MEMO.get()

    def run(task: Callable[[], Any]) -> Any:
        with app.app_context():
            token = MEMO.set(memo)
            try:
                return task()
            finally:
                MEMO.reset(token)

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dashboard") as pool:
        return list(pool.map(run, tasks))
