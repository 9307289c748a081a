"""The probes and the metrics endpoint: small, cheap, never cached."""

from __future__ import annotations

from flask import current_app, jsonify
from prometheus_client import CONTENT_TYPE_LATEST
from werkzeug.wrappers import Response

from app.ops import bp, health, metrics


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _report(report: health.Report) -> Response:
    response = jsonify(report.as_json())
    response.status_code = 200 if report.ok else 503
    return _no_store(response)


@bp.get("/healthz")
def healthz() -> Response:
    """Liveness: the process answers (no database call)."""
    return _report(health.liveness())


@bp.get("/readyz")
def readyz() -> Response:
    """Readiness: database, migrations, Redis and the matching process; 200 or 503."""
    return _report(health.readiness(current_app._get_current_object()))  # type: ignore[attr-defined]


@bp.get("/metrics", endpoint="metrics")
def metrics_text() -> Response:
    """Prometheus exposition (who may read it is decided by the access map's scraper gate)."""
    body = metrics.exposition(current_app._get_current_object())  # type: ignore[attr-defined]
    return _no_store(Response(body, content_type=CONTENT_TYPE_LATEST))
