"""场景答疑 pages: ask, answer, hide, follow, and the lists of one's questions."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app import submissions, unit_of_work
from app.extensions import db
from app.models import Role, Scenario, ScenarioQuestion
from app.paging import page_arg
from app.questions import bp, policies, services
from app.questions.forms import AnswerForm, AskForm, FollowForm, HideForm
from app.security.visibility import may_view_scenario

PER_PAGE = 20
STALE = "该提问刚被同事答复或修改，请查看最新内容后再操作。"


def _scenario(scenario_id: int) -> Scenario:
    """A scenario that has been public (an ended one answers 提问已截止, not 404)."""
    scenario = db.session.get(Scenario, scenario_id)
    if scenario is None or scenario.published_at is None:
        abort(404)
    return scenario


def _question(question_id: int, check: Any) -> ScenarioQuestion:
    """The question if the policy lets the user act on it; 404 otherwise (not theirs)."""
    question = db.session.get(ScenarioQuestion, question_id)
    if question is None or not check(current_user, question):
        abort(404)
    return question


def _to_scenario(scenario_id: int) -> Response:
    return redirect(url_for("portal.scenario_detail", scenario_id=scenario_id, _anchor="questions"))


@bp.app_template_global()
def question_section(scenario: Scenario) -> services.Section:
    """The 答疑 section of a scenario page for the current reader (templates/questions)."""
    view = services.section(current_user, scenario)
    if current_user.is_authenticated:  # forms put a token in the session: none for visitors
        view.forms = {"ask": AskForm(formdata=None), "follow": FollowForm(formdata=None)}
        if view.moderator:
            view.forms["hide"] = HideForm(formdata=None)
    return view


@bp.route("/scenarios/<int:scenario_id>/questions", methods=["GET", "POST"])
def ask(scenario_id: int) -> Response | str:
    """A firm asks a question about an open scenario (the page keeps the text on a refusal)."""
    scenario = _scenario(scenario_id)
    form = AskForm()
    if form.validate_on_submit():
        with unit_of_work.attempt(form) as outcome:
            once = submissions.claim(form.submission.data, current_user)
            services.ask(current_user, scenario, form.question.data)
        if isinstance(outcome.error, submissions.Repeated):
            return redirect(outcome.error.location or url_for("questions.mine"))
        if not outcome.refused:
            location = url_for("questions.mine")
            submissions.done(once, location)
            flash("问题已提交，发布单位答复后将公开显示（不显示提问单位），并通知您。", "success")
            return redirect(location)
    elif not form.is_submitted() and not policies.can_ask(current_user, scenario):
        flash(_why_not(scenario), "warning")
    return render_template(
        "questions/ask.html",
        form=form,
        scenario=scenario,
        can_ask=policies.can_ask(current_user, scenario),
        refusal=_why_not(scenario),
        limit=services.DAILY_LIMIT,
    )


def _why_not(scenario: Scenario) -> str:
    return services.closed_message(scenario) or "只有审核通过的数字企业可以提问。"


@bp.route("/questions/<int:question_id>/answer", methods=["GET", "POST"])
def answer(question_id: int) -> Response | str:
    """The publisher answers a question, or corrects the answer until the deadline."""
    question = _question(question_id, policies.can_answer)
    form = AnswerForm(data={"answer": question.answer or ""})
    editable = not question.is_answered or question.scenario.is_published
    if editable and form.validate_on_submit():
        with unit_of_work.attempt(form, stale=STALE, stale_category="warning") as outcome:
            first = services.answer(current_user, question, form.answer.data)
        if outcome.stale:
            return redirect(url_for("questions.mine"))
        if not outcome.refused:
            flash(
                "答复已公开，提问单位和关注该场景的用户将收到通知。" if first else "答复已修改。",
                "success",
            )
            return _to_scenario(question.scenario_id)
    elif form.is_submitted() and not editable:
        flash("申报已截止或场景已结束，答复不能再修改。", "danger")
    return render_template("questions/answer.html", form=form, question=question, editable=editable)


@bp.route("/questions/<int:question_id>/hide", methods=["POST"])
def hide(question_id: int) -> Response:
    """An administrator hides an abusive question, with a reason (audited)."""
    question = db.session.get(ScenarioQuestion, question_id)
    if question is None:
        abort(404)
    form = HideForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
        return redirect(url_for("questions.review_list"))
    with unit_of_work.attempt(stale=STALE, category="warning") as outcome:
        services.hide(current_user, question, form.reason.data)
    if not outcome.refused:
        flash("该提问已隐藏，不再公开显示。", "success")
    return redirect(url_for("questions.review_list"))


@bp.route("/scenarios/<int:scenario_id>/follow", methods=["POST"])
def follow(scenario_id: int) -> Response:
    """关注 or 取消关注 a scenario: followers are told of each new answer."""
    scenario = db.session.get(Scenario, scenario_id)
    if scenario is None or not may_view_scenario(current_user, scenario):
        abort(404)
    form = FollowForm()
    if not form.validate_on_submit():
        abort(400)
    services.follow(current_user, scenario, bool(form.on.data))
    flash("已关注，该场景有新的答疑时将通知您。" if form.on.data else "已取消关注。", "success")
    return _to_scenario(scenario.id)


@bp.route("/my/questions")
def mine() -> str:
    """A firm's own questions; a publisher's questions to answer (askers not named)."""
    if current_user.role is Role.PUBLISHER:
        query = services.for_publisher(current_user.organization_id)
    else:
        query = services.asked_by(current_user)
    page = db.paginate(query, page=page_arg(), per_page=PER_PAGE, error_out=False)
    return render_template(
        "questions/mine.html", page=page, publisher=current_user.role is Role.PUBLISHER
    )


@bp.route("/review/questions")
def review_list() -> str:
    """Every question with its asker, for administrators to hide abusive ones."""
    page = db.paginate(services.for_review(), page=page_arg(), per_page=PER_PAGE, error_out=False)
    return render_template(
        "questions/review.html",
        page=page,
        askers=services.askers(list(page.items)),
        form=HideForm(formdata=None),
    )
