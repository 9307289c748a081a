"""GET /api/v1/dashboard: the public dashboard's figures (aggregates only)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import RAISE

from app.api import schemas
from app.api.caching import last_modified_headers
from app.dashboard import cache

blp = Blueprint("api_figures", __name__, description="数据看板的公开数据（仅汇总数字）")


@blp.route("/dashboard")
@blp.arguments(schemas.NoArgs, location="query", unknown=RAISE)
@blp.response(200, schemas.Dashboard)
def dashboard(_args: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
    """数据看板公开版的核心指标和图表数据（同 /dashboard 页面）。"""
    dash = cache.dashboard(current_app._get_current_object(), admin=False)  # type: ignore[attr-defined]
    summary = {**asdict(dash.summary), "local_share": dash.summary.local_share}
    charts = [
        {
            "key": c.key,
            "title": c.title,
            "kind": c.kind,
            "note": c.note,
            "columns": list(c.columns),
            "rows": [list(row) for row in c.rows],
        }
        for c in dash.charts
        if not c.private
    ]
    body = {"generated_at": dash.generated_at, "summary": summary, "charts": charts}
    return body, 200, last_modified_headers(dash.generated_at)
