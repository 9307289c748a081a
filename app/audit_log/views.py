"""The audit viewer: records with filters and pages, and their CSV export (auditors only)."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from app import audit
from app.audit_log import bp, services
from app.audit_log.forms import FilterForm
from app.extensions import db
from app.models.base import utcnow
from app.paging import page_arg


@bp.route("/audit/")
def index() -> str:
    """Records, newest first, filtered by the query string."""
    form = FilterForm(request.args)
    filters = form.filters()
    page = None  # invalid filters show their errors, not every record
    if filters is not None:
        page = db.paginate(
            services.query(filters),
            page=page_arg(),
            per_page=current_app.config["PAGE_SIZE"] * 4,
            error_out=False,
        )
    return render_template("audit_log/index.html", form=form, page=page, actions=services.actions())


@bp.route("/audit/export.csv")
def export() -> WerkzeugResponse:
    """The filtered records as CSV; the export is itself recorded."""
    form = FilterForm(request.args)
    filters = form.filters()
    if filters is None:
        flash("筛选条件有误，请改正后再导出。", "warning")
        args: dict[str, Any] = request.args.to_dict()
        return redirect(url_for("audit_log.index", **args))
    data, count = services.export_csv(filters)
    note = f"导出{count}条审计记录" + (f"（{services.describe(filters)}）" if filters else "")
    audit.record_event("audit_export", actor=current_user, subject_type="audit_events", note=note)
    filename = f"audit-{utcnow():%Y%m%d-%H%M%S}.csv"
    return Response(
        data,
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
