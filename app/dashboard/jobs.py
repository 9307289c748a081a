"""The city's figures, computed once a minute for every machine to serve."""

from __future__ import annotations

from typing import Any

from flask import current_app

from app.dashboard import cache
from app.jobs import JobContext, job


@job("dashboard.refresh", label="数据看板统计", attempts=1)
def refresh(ctx: JobContext) -> dict[str, Any]:
    """Compute and store the public and the administrators' dashboards."""
    cache.refresh(current_app._get_current_object())  # type: ignore[attr-defined]
    return {}
