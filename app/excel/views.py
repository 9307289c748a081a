"""Templates, upload → preview → import, and exports of filtered lists."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from app import audit, unit_of_work
from app.excel import bp, services, storage
from app.excel.columns import KIND_LABELS, KINDS, Kind
from app.excel.exports import EXPORT_LIMIT, capabilities_xlsx, scenarios_xlsx
from app.excel.forms import UploadForm
from app.excel.jobs import IMPORT
from app.excel.limits import MAX_ROWS
from app.excel.queries import capability_query, scenario_query
from app.excel.workbook import template, xlsx_response
from app.extensions import db
from app.forms import EmptyForm
from app.jobs import enqueue
from app.models import JobRun, Role
from app.review import services as review
from app.search.filters import Filters

OWN_KIND: dict[Role, Kind] = {Role.PUBLISHER: "scenario", Role.FIRM: "capability"}
# a full 10,000-row file with long texts is larger than the site-wide request limit
UPLOAD_MAX_MB = 20


def _xlsx(data: bytes, filename: str) -> Response:
    return xlsx_response(data, filename)


def _audited(data: bytes, filename: str, subject_type: str) -> Response:
    """An export, recorded (committed with the request) before it is sent."""
    audit.record_export(current_user, subject_type, filename)
    return _xlsx(data, filename)


def _kind_for_user(requested: str | None) -> Kind:
    """Owners import their own kind only; administrators choose."""
    if current_user.role is Role.REVIEWER:
        return requested if requested in KINDS else "scenario"
    return OWN_KIND[current_user.role]


@bp.route("/imports/template/<kind>.xlsx")
def template_download(kind: str) -> Response:
    """An empty import template for scenarios or capabilities."""
    if kind not in KINDS:
        abort(404)
    return _xlsx(template(kind), f"{KIND_LABELS[kind]}导入模板.xlsx")


@bp.route("/imports/", methods=["GET", "POST"])
def upload() -> Response | str:
    """Upload a filled template; it is checked and previewed before anything is saved."""
    if request.method == "POST":
        request.max_content_length = UPLOAD_MAX_MB * 1024 * 1024
        if (request.content_length or 0) > request.max_content_length:
            flash(f"文件超过{UPLOAD_MAX_MB}MB，请拆分为多个文件分批导入。", "danger")
            return redirect(url_for("excel.upload"))
    form = UploadForm()
    is_reviewer = current_user.role is Role.REVIEWER
    if form.validate_on_submit():
        kind = _kind_for_user(form.kind.data)
        data = form.file.data.read()
        token = storage.save(data, current_user.id, kind, form.file.data.filename or "")
        return redirect(url_for("excel.preview", token=token))
    kind = _kind_for_user(request.args.get("kind") or form.kind.data)
    return render_template(
        "excel/upload.html",
        form=form,
        is_reviewer=is_reviewer,
        kind=kind,
        kind_label=KIND_LABELS[kind],
        max_rows=MAX_ROWS,
    )


def _upload_or_404(token: str) -> storage.Upload:
    upload = storage.load(token, current_user.id)
    if upload is None:
        abort(404)
    return upload


@bp.route("/imports/<token>")
def preview(token: str) -> str:
    """Every row checked, problems by row and column; nothing saved yet."""
    upload = _upload_or_404(token)
    with unit_of_work.attempt(quiet=True) as outcome:  # the page shows the refusal itself
        result = services.check(upload.data, upload.kind, current_user)  # type: ignore[arg-type]
    if outcome.error is not None:
        storage.discard(token)
        return render_template(
            "excel/preview.html",
            refused=outcome.error.message,
            upload=upload,
            preview=None,
            kind_label=KIND_LABELS[upload.kind],
            form=EmptyForm(),
        )
    return render_template(
        "excel/preview.html",
        refused=None,
        upload=upload,
        preview=result,
        kind_label=KIND_LABELS[upload.kind],
        form=EmptyForm(),
    )


@bp.route("/imports/<token>/confirm", methods=["POST"])
def confirm(token: str) -> Response:
    """Start importing every valid row (checked again by the job); show its progress."""
    _upload_or_404(token)
    if not EmptyForm().validate_on_submit():
        abort(400)
    run_id = storage.import_run(token, current_user.id)
    run = db.session.get(JobRun, run_id) if run_id is not None else None
    if run is None or run.finished_at is not None:  # not started, or refused: (re)start it
        run = enqueue(IMPORT, created_by=current_user, token=token, user_id=current_user.id)
        storage.attach_run(token, run.id)
    return redirect(url_for("excel.import_status", run_id=run.id))


@bp.route("/imports/runs/<int:run_id>")
def import_status(run_id: int) -> str:
    """An import's progress while it runs (the page polls its job), then its outcome."""
    run = db.session.get(JobRun, run_id)
    if run is None or run.name != IMPORT or run.created_by_id != current_user.id:
        abort(404)
    token = run.args.get("token", "")
    return render_template(
        "excel/import_status.html",
        run=run,
        result=run.result or {},
        retry_token=token if storage.belongs(token, current_user.id) else None,
        done_url=url_for(
            "review.listings" if current_user.role is Role.REVIEWER else "workspace.index"
        ),
    )


@bp.route("/imports/<token>/cancel", methods=["POST"])
def cancel(token: str) -> Response:
    """Import nothing and forget the upload."""
    _upload_or_404(token)
    if not EmptyForm().validate_on_submit():
        abort(400)
    storage.discard(token)
    flash("已放弃本次导入，没有保存任何数据。", "info")
    return redirect(url_for("excel.upload"))


@bp.route("/exports/scenarios.xlsx")
def export_scenarios() -> Response:
    """The public scenario list, with the page's filters, as a spreadsheet."""
    query = scenario_query(Filters.from_args(request.args)).limit(EXPORT_LIMIT)
    rows = db.session.scalars(query)
    data = scenarios_xlsx("场景机会清单", rows, full_contacts=False)
    return _audited(data, "场景机会清单.xlsx", "scenarios")


@bp.route("/exports/capabilities.xlsx")
def export_capabilities() -> Response:
    """The public capability list, with the page's filters, as a spreadsheet."""
    query = capability_query(Filters.from_args(request.args)).limit(EXPORT_LIMIT)
    data = capabilities_xlsx("能力清单", db.session.scalars(query))
    return _audited(data, "能力清单.xlsx", "capabilities")


@bp.route("/exports/review/scenarios.xlsx")
def export_review_scenarios() -> Response:
    """Scenarios waiting for review, as a spreadsheet."""
    rows = review.queued_listings(
        "scenario", review.QueueFilters.from_args(request.args), EXPORT_LIMIT
    )
    return _audited(scenarios_xlsx("待审核场景", rows, True), "待审核场景.xlsx", "scenarios")


@bp.route("/exports/review/capabilities.xlsx")
def export_review_capabilities() -> Response:
    """Capabilities waiting for review, as a spreadsheet."""
    rows = review.queued_listings(
        "capability", review.QueueFilters.from_args(request.args), EXPORT_LIMIT
    )
    return _audited(capabilities_xlsx("待审核能力", rows), "待审核能力.xlsx", "capabilities")
