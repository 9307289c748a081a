"""Excellent cases: public list and page, the administrator's draft, consents, publication."""

from __future__ import annotations

from dataclasses import asdict

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app import unit_of_work
from app.cases import bp, services
from app.cases.forms import CaseForm
from app.extensions import db
from app.forms import EmptyForm
from app.models import Engagement, ExcellentCase
from app.paging import page_arg


def _case(case_id: int) -> ExcellentCase:
    case = db.session.get(ExcellentCase, case_id)
    if case is None or not services.can_preview(current_user, case):
        abort(404)
    return case


@bp.route("/cases")
def index() -> str:
    """Published excellent cases, searchable by keyword."""
    keyword = (request.args.get("q") or "").strip()[:100]
    page = db.paginate(
        services.published(keyword),
        page=page_arg(),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template("cases/index.html", page=page, keyword=keyword)


@bp.route("/cases/<int:case_id>")
def detail(case_id: int) -> str:
    """One case; a draft is shown to the two parties and administrators only."""
    return render_template("cases/detail.html", case=_case(case_id), form=EmptyForm())


@bp.route("/review/engagements/<int:engagement_id>/case", methods=["GET", "POST"])
def edit(engagement_id: int) -> Response | str:
    """An administrator drafts (or rewrites) the case of a landed engagement."""
    engagement = db.session.get(Engagement, engagement_id)
    if engagement is None:
        abort(404)
    case = services.for_engagement(engagement.id)
    if request.method == "POST":
        form = CaseForm()
    else:
        source = case if case is not None else services.prefill(engagement)
        form = CaseForm(data=_data(source))
    if form.validate_on_submit():
        with unit_of_work.attempt() as outcome:
            case = services.save_draft(current_user, engagement, form.to_input())
        if not outcome.refused:
            flash("案例草稿已保存，双方单位同意后即可发布。", "success")
            return redirect(url_for("cases.detail", case_id=case.id))
    return render_template("cases/edit.html", form=form, engagement=engagement, case=case)


def _data(source: object) -> dict[str, str]:
    if isinstance(source, ExcellentCase):
        fields = ("title", "problem", "solution", "result", "figures")
        return {name: getattr(source, name) for name in fields}
    return asdict(source)  # type: ignore[call-overload]


@bp.route("/cases/<int:case_id>/consent", methods=["POST"])
def consent(case_id: int) -> Response:
    """A party agrees to publication."""
    case = _case(case_id)
    unit_of_work.button(lambda: services.consent(current_user, case), "已同意发布该案例。")
    return redirect(url_for("cases.detail", case_id=case.id))


@bp.route("/review/cases/<int:case_id>/publish", methods=["POST"])
def publish(case_id: int) -> Response:
    """An administrator publishes a case both parties agreed to."""
    case = _case(case_id)
    unit_of_work.button(lambda: services.publish(current_user, case), "案例已公开发布。")
    return redirect(url_for("cases.detail", case_id=case.id))
