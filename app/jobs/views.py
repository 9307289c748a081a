"""Administrators' view of background jobs, and the status of a run for whoever started it."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app import unit_of_work
from app.extensions import db
from app.forms import EmptyForm
from app.jobs import admin
from app.jobs.registry import label
from app.models import JobRun, Role
from app.paging import page_arg

bp = Blueprint("jobs", __name__)


@bp.route("/review/jobs")
def index() -> str:
    """Runs by state (failed first), with their errors; failed ones can be retried."""
    status = request.args.get("status", "failed")
    if status not in admin.STATUS_TABS:
        status = "failed"
    page = admin.runs(status, page_arg())
    return render_template(
        "jobs/index.html",
        overview=admin.overview(),
        status=status,
        tabs=admin.STATUS_TABS,
        page=page,
        label=label,
        form=EmptyForm(),
    )


@bp.route("/review/jobs/<int:run_id>/retry", methods=["POST"])
def retry(run_id: int) -> Response:
    """Queue a failed run again."""
    run = db.session.get(JobRun, run_id) or abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with unit_of_work.attempt() as outcome:
        admin.retry(current_user, run)
    if not outcome.refused:
        flash(f"已重新排队：{label(run.name)}（#{run.id}）。", "success")
    return redirect(url_for("jobs.index", status="failed"))


@bp.route("/jobs/<int:run_id>")
def status(run_id: int) -> Response:
    """A run's state and progress as JSON (polled by pages waiting for it)."""
    run = db.session.get(JobRun, run_id)
    if run is None or not (
        current_user.role is Role.SYSADMIN or run.created_by_id == current_user.id
    ):
        abort(404)
    return jsonify(
        id=run.id,
        name=run.name,
        status=run.status.value,
        label=run.status.label,
        done=run.progress_done,
        total=run.progress_total,
        note=run.progress_note,
        percent=run.percent,
        result=run.result,
        finished=run.finished_at is not None,
    )
