"""Engagement pages: apply, accept a recommendation, timeline, stage changes, lists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from app import audit, submissions, unit_of_work
from app.attachments import downloads
from app.contacts import services as contacts
from app.engagements import attachments, bp, lifecycle, services
from app.engagements.forms import ApplyForm, ShortlistForm, StageForm
from app.extensions import db
from app.forms import EmptyForm
from app.models import Engagement, EngagementStage, Recommendation, Scenario
from app.paging import page_arg
from app.recommendations.provider import MatchingUnavailable
from app.security import policies

STALE = "该对接已被对方或他人更新，请刷新页面查看最新进展后再操作。"
PER_PAGE = 20


def _engagement(engagement_id: int) -> Engagement:
    """The engagement if the user is a party or an administrator; 404 otherwise."""
    engagement = db.session.get(Engagement, engagement_id)
    if engagement is None or not policies.can_view_engagement(current_user, engagement):
        abort(404)
    return engagement


@bp.route("/scenarios/<int:scenario_id>/apply", methods=["GET", "POST"])
def apply(scenario_id: int) -> Response | str:
    """揭榜/申请: a firm applies to a published scenario."""
    scenario = db.session.get(Scenario, scenario_id)
    if scenario is None or not scenario.is_published:
        abort(404)
    firm = current_user.organization
    mine = services.existing(scenario.id, firm.id)
    if mine is not None:
        flash("贵单位已申请过该场景，以下是对接进展。", "info")
        return redirect(url_for("engagements.detail", engagement_id=mine.id))
    form = ApplyForm(capabilities=services.offered_capabilities(firm))
    if form.validate_on_submit():
        stored = None
        with unit_of_work.attempt(form) as outcome:
            if upload := form.attachment.data:
                stored = attachments.store(
                    upload.filename or "",
                    upload.stream,
                    int(current_app.config["ATTACHMENT_MAX_BYTES"]),
                )
            once = submissions.claim(form.submission.data, current_user)
            engagement = services.apply(
                current_user, scenario, form.proposal.data, form.capability_id.data, stored
            )
        if outcome.refused:
            if stored:
                attachments.discard(stored[1])
            if isinstance(outcome.error, submissions.Repeated):
                return redirect(outcome.error.location or url_for("engagements.mine"))
        else:
            submissions.done(once, url_for("engagements.detail", engagement_id=engagement.id))
            flash("申请已提交，场景发布单位将收到通知。", "success")
            return redirect(url_for("engagements.detail", engagement_id=engagement.id))
    return render_template("engagements/apply.html", form=form, scenario=scenario)


@bp.route("/recommendations/<int:recommendation_id>/accept", methods=["POST"])
def accept_recommendation(recommendation_id: int) -> Response:
    """发起对接/接受推荐: one side accepts an approved pair."""
    recommendation = db.session.get(Recommendation, recommendation_id)
    if recommendation is None or current_user.organization_id not in (
        recommendation.scenario.organization_id,
        recommendation.capability.organization_id,
    ):
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with unit_of_work.attempt(category="warning") as outcome:
        engagement = services.accept_recommendation(current_user, recommendation)
    if outcome.refused:
        return redirect(url_for("workspace.index"))
    if engagement is None:
        flash("已接受推荐，对方确认后即建立对接。", "success")
        return redirect(url_for("workspace.index"))
    flash("双方均已接受推荐，对接已建立。", "success")
    return redirect(url_for("engagements.detail", engagement_id=engagement.id))


@bp.route("/engagements/<int:engagement_id>")
def detail(engagement_id: int) -> str:
    """The timeline, the contract facts and the moves the user may make."""
    engagement = _engagement(engagement_id)
    contact = contacts.engagement_contact(current_user, engagement, ip=request.remote_addr or "")
    return render_template(
        "engagements/detail.html",
        engagement=engagement,
        contact=contact,
        party=policies.engagement_party(current_user, engagement),
        moves=lifecycle.allowed(current_user, engagement),
        form=StageForm(),
        shortlist_form=ShortlistForm(),
        case=_case_of(engagement),
        Stage=EngagementStage,
    )


def _case_of(engagement: Engagement) -> Any:
    from app.cases import services as cases

    return cases.for_engagement(engagement.id)


@bp.route("/engagements/<int:engagement_id>/attachment")
def attachment(engagement_id: int) -> Response:
    """The application's attachment, for the two parties and administrators only."""
    engagement = _engagement(engagement_id)
    kind = attachments.kind_of(engagement.attachment_name)
    data = attachments.content(engagement.attachment_file)
    if kind is None or data is None:
        if engagement.attachment_file:
            current_app.logger.error(
                "engagement %s has no stored file %r", engagement.id, engagement.attachment_file
            )
        abort(404)
    audit.record(current_user, "download", engagement, engagement.attachment_name or "")
    return downloads.send(
        data,
        name=engagement.attachment_name,
        kind=kind,
        fallback_stem=f"engagement-{engagement.id}-attachment",
    )


@bp.route("/engagements/<int:engagement_id>/stage", methods=["POST"])
def change_stage(engagement_id: int) -> Response:
    """Move the engagement one step (the lifecycle decides whether this party may)."""
    engagement = _engagement(engagement_id)
    form = StageForm()
    change = form.to_change() if form.validate_on_submit() else None
    if change is None:
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
        if not form.errors:
            flash("无效的操作。", "danger")
    else:
        with unit_of_work.attempt(stale=STALE) as outcome:
            lifecycle.change_stage(current_user, engagement, change)
        if not outcome.refused:
            flash(f"对接已更新为“{change.target.label}”。", "success")
    return redirect(url_for("engagements.detail", engagement_id=engagement_id))


@bp.route("/engagements/<int:engagement_id>/shortlist", methods=["POST"])
def shortlist(engagement_id: int) -> Response:
    """The publisher marks an applicant as shortlisted (入围) or not."""
    engagement = _engagement(engagement_id)
    form = ShortlistForm()
    if form.validate_on_submit():
        with unit_of_work.attempt(stale=STALE) as outcome:
            services.set_shortlisted(
                current_user, engagement, form.shortlisted.data, form.lock_version.data
            )
        if not outcome.refused:
            flash("已入围。" if form.shortlisted.data else "已取消入围。", "success")
    back = request.form.get("back") == "applicants"
    if back:
        return redirect(url_for("engagements.applicants", scenario_id=engagement.scenario_id))
    return redirect(url_for("engagements.detail", engagement_id=engagement_id))


@bp.route("/my/scenarios/<int:scenario_id>/applicants")
def applicants(scenario_id: int) -> str:
    """Every applicant to one of the publisher's scenarios, side by side with match scores."""
    scenario = db.session.get(Scenario, scenario_id)
    if scenario is None or not policies.is_owner(current_user, scenario):
        abort(404)
    try:
        rows, scored = services.applicants(scenario), True
    except MatchingUnavailable:  # the page still lists every applicant, without scores
        rows, scored = services.applicants(scenario, scored=False), False
    return render_template(
        "engagements/applicants.html",
        scenario=scenario,
        rows=rows,
        matching_unavailable=not scored,
        form=ShortlistForm(),
    )


def _stage_arg() -> EngagementStage | None:
    try:
        return EngagementStage(request.args.get("stage", ""))
    except ValueError:
        return None


def _list(query: Any, template: str, counts: dict) -> str:
    page = db.paginate(
        query,
        page=page_arg(),
        per_page=PER_PAGE,
        error_out=False,
    )
    return render_template(
        template, page=page, stage=_stage_arg(), counts=counts, stages=list(EngagementStage)
    )


@bp.route("/my/engagements")
def mine() -> str:
    """The organisation's engagements, as publisher or as firm."""
    org = current_user.organization
    return _list(
        services.for_organization(org, _stage_arg()),
        "engagements/mine.html",
        services.stage_counts(org),
    )


@bp.route("/review/engagements")
def review_list() -> str:
    """Every engagement, for administrators, filtered by stage."""
    return _list(
        services.all_engagements(_stage_arg()),
        "engagements/review_list.html",
        services.stage_counts(),
    )


STAGE_CLASSES = {
    "intent": "warn",
    "negotiating": "warn",
    "signed": "ok",
    "landed": "ok",
    "terminated": "muted",
}


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    """Template helpers other pages use to show engagement actions."""
    return {
        "STAGE_CLASSES": STAGE_CLASSES,
        "engagement_party": policies.engagement_party,
        "engagement_of": _engagement_of,
        "recommendation_state": _recommendation_state,
    }


def _engagement_of(scenario: Scenario) -> Engagement | None:
    """The signed-in firm's engagement with a scenario."""
    if not current_user.is_authenticated or current_user.organization_id is None:
        return None
    return services.existing(scenario.id, current_user.organization_id)


@dataclass(frozen=True)
class RecommendationState:
    """Where an approved pair stands for the signed-in organisation."""

    engagement: Engagement | None
    mine: bool
    theirs: bool


def _recommendation_state(recommendation: Recommendation) -> RecommendationState:
    org_id = current_user.organization_id
    engagement = services.existing(
        recommendation.scenario_id, recommendation.capability.organization_id
    )
    accepted = services.accepted_by(recommendation)
    return RecommendationState(engagement, org_id in accepted, bool(accepted - {org_id}))
