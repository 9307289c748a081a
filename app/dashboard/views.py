"""Dashboard pages and downloads; the public and the administrators' versions share templates."""

from __future__ import annotations

from flask import Response, abort, current_app, render_template
from flask_login import current_user

from app import audit
from app.dashboard import bp, cache, export, figures
from app.recommendations import exposure


def _page(admin: bool) -> str:
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # typed as Flask, a proxy
    dashboard = cache.dashboard(app, admin)
    return render_template(
        "dashboard/index.html",
        dash=dashboard,
        admin=admin,
        FIGURES=figures.FIGURES,
        cache_seconds=current_app.config["DASHBOARD_CACHE_SECONDS"],
        exposure=exposure.statistics() if admin else (),
    )


def _download(key: str, fmt: str, admin: bool) -> Response:
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # typed as Flask, a proxy
    chart = cache.chart(app, key, admin=admin)
    if chart is None:
        abort(404)
    body, mimetype = export.render(chart, fmt)
    prefix = "admin-" if admin else ""
    audit.record_export(current_user, "dashboard", f"{prefix}dashboard-{key}.{fmt}")
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{prefix}dashboard-{key}.{fmt}"'},
    )


@bp.route("/dashboard")
def public() -> str:
    """The city's figures for everyone: aggregates only."""
    return _page(admin=False)


@bp.route("/dashboard/data/<key>.<any(csv, xlsx):fmt>")
def public_download(key: str, fmt: str) -> Response:
    """One public chart's table as CSV or XLSX."""
    return _download(key, fmt, admin=False)


@bp.route("/review/dashboard")
def admin() -> str:
    """The administrators' dashboard: the public figures plus private ones."""
    return _page(admin=True)


@bp.route("/review/dashboard/data/<key>.<any(csv, xlsx):fmt>")
def admin_download(key: str, fmt: str) -> Response:
    """Any chart's table as CSV or XLSX, private ones included."""
    return _download(key, fmt, admin=True)
