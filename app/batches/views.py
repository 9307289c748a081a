"""第N批: public list, page, download and print; administrators compose and schedule."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app import audit, clock, submissions, taxonomy, unit_of_work
from app.batches import bp, services
from app.batches.forms import BatchForm, CreateForm, PublishForm
from app.errors import DomainError
from app.excel.exports import listings_xlsx
from app.excel.workbook import xlsx_response
from app.forms import EmptyForm
from app.models import Batch, BatchKind
from app.paging import parse_id
from app.security import policies


def _visible(batch_id: int) -> Batch:
    """A public batch; unpublished ones only to administrators (404 for anyone else)."""
    batch = services.get(batch_id)
    if batch is None or not (batch.is_public(clock.today()) or policies.is_reviewer(current_user)):
        abort(404)
    return batch


def _editable(batch_id: int) -> Batch:
    batch = services.get(batch_id)
    if batch is None:
        abort(404)
    return batch


@bp.route("/")
def index() -> str:
    """Every published batch, newest first."""
    kind = request.args.get("kind")
    chosen = BatchKind(kind) if kind in {k.value for k in BatchKind} else None
    return render_template(
        "batches/index.html", batches=services.public_batches(chosen), kind=chosen
    )


@bp.route("/<int:batch_id>")
def detail(batch_id: int) -> str:
    """A batch's listings."""
    batch = _visible(batch_id)
    return render_template("batches/detail.html", batch=batch, today=clock.today())


@bp.route("/<int:batch_id>.xlsx")
def download(batch_id: int) -> Response:
    """A batch as a spreadsheet."""
    batch = _visible(batch_id)
    # phones stay masked: the logged reveal on a listing's page is the one way to see them
    data = listings_xlsx(batch.title, [i.listing for i in batch.items], full_contacts=False)
    audit.record_export(current_user, "batches", f"{batch.title}.xlsx", batch.id)
    return xlsx_response(data, f"{batch.title}.xlsx")


@bp.route("/<int:batch_id>/print")
def printable(batch_id: int) -> str:
    """A page laid out for printing."""
    return render_template("batches/print.html", batch=_visible(batch_id))


@bp.route("/manage")
def manage() -> str:
    """Every batch, with the form to start a new one."""
    return render_template(
        "batches/manage.html",
        batches=services.all_batches(),
        form=CreateForm(),
        today=clock.today(),
        delete_form=EmptyForm(),
    )


@bp.route("/new", methods=["POST"])
def create() -> Response:
    """Start a batch with the next number of its kind."""
    form = CreateForm()
    if not form.validate_on_submit():
        flash("请选择清单类型。", "danger")
        return redirect(url_for("batches.manage"))
    with unit_of_work.attempt() as outcome:
        once = submissions.claim(form.submission.data, current_user)
        batch = services.create(current_user, BatchKind(form.kind.data))
    if outcome.refused:  # a repeated form goes where the first submission led
        return redirect(getattr(outcome.error, "location", "") or url_for("batches.manage"))
    submissions.done(once, url_for("batches.edit", batch_id=batch.id))
    flash(f"已创建第{batch.number}批{batch.kind.label}，请选择条目。", "success")
    return redirect(url_for("batches.edit", batch_id=batch.id))


@bp.route("/<int:batch_id>/edit", methods=["GET", "POST"])
def edit(batch_id: int) -> Response | str:
    """Choose the listings and the title; then publish now or on a date."""
    batch = _editable(batch_id)
    public = batch.is_public(clock.today())
    form = BatchForm(obj=batch if request.method == "GET" else None)
    if not public and form.validate_on_submit():
        picked = [parse_id(v) for v in request.form.getlist("listing")]
        ids = [i for i in picked if i is not None]
        with unit_of_work.attempt() as outcome:
            if len(ids) != len(picked):  # a number no row can have: the database would refuse it
                raise DomainError("所选内容包含无效的编号，请刷新页面后重新选择。")
            services.update(current_user, batch, form.title.data, form.intro.data or "", ids)
        if outcome.refused:
            return redirect(url_for("batches.edit", batch_id=batch_id))
        flash(f"已保存，共{len(batch.items)}项。", "success")
        return redirect(url_for("batches.edit", batch_id=batch_id))
    filters = services.CandidateFilters.from_args(request.args)
    candidates = [] if public else services.candidates(batch, filters)
    return render_template(
        "batches/edit.html",
        batch=batch,
        form=form,
        public=public,
        filters=filters,
        choices=taxonomy.names_by_kind(("domain", "district", "opening_method")),
        candidates=candidates,
        batched=services.batches_holding(batch.kind, [c.id for c in candidates]),
        publish_form=PublishForm(publish_on=batch.publish_on or clock.today()),
        action_form=EmptyForm(),
    )


@bp.route("/<int:batch_id>/publish", methods=["POST"])
def publish(batch_id: int) -> Response:
    """Publish on the chosen date, or take a scheduled batch back."""
    batch = _editable(batch_id)
    form = PublishForm()
    with unit_of_work.attempt() as outcome:
        if request.form.get("action") == "unschedule":
            services.unschedule(current_user, batch)
            message = "已取消发布计划。"
        elif form.validate_on_submit():
            services.publish(current_user, batch, form.publish_on.data)
            when = "已发布" if batch.is_public(clock.today()) else f"将于{batch.publish_on}发布"
            message = f"“{batch.title}”{when}。"
        else:
            raise DomainError("请填写有效的发布日期。")
    if not outcome.refused:
        flash(message, "success")
    return redirect(url_for("batches.edit", batch_id=batch_id))


@bp.route("/<int:batch_id>/delete", methods=["POST"])
def delete(batch_id: int) -> Response:
    """Remove a batch that was never published."""
    batch = _editable(batch_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with unit_of_work.attempt() as outcome:
        services.delete(current_user, batch)
    if outcome.refused:
        return redirect(url_for("batches.manage"))
    flash("已删除该批次。", "success")
    return redirect(url_for("batches.manage"))
