"""Review pages: every route here is for administrators only (see security.access)."""

from __future__ import annotations

import math
from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app import audit, taxonomy, unit_of_work
from app.engine_builds import jobs as matching_jobs
from app.engine_builds import learning, maintenance, vocabulary
from app.extensions import db
from app.forms import EmptyForm
from app.jobs import admin as jobs_admin
from app.jobs import enqueue
from app.listing_kinds import CAPABILITY, SCENARIO, ListingKind
from app.listings.services import close as close_listing
from app.models import (
    Capability,
    Organization,
    Recommendation,
    Role,
    Scenario,
    VocabularyEntry,
    VocabularyKind,
)
from app.paging import page_arg, parse_id
from app.recommendations import exposure, levels
from app.recommendations import services as recommendations
from app.review import bp, services
from app.review import matches as matches_service
from app.review.forms import CloseForm, DecisionForm, ListingDecisionForm, VocabularyForm


def _get(model: type[Any], object_id: int) -> Any:
    item = db.session.get(model, object_id)
    if item is None:
        abort(404)
    return item


@bp.route("/")
def index() -> str:
    """What waits for review: the 待办 panel with counts and links."""
    return render_template(
        "review/index.html",
        **services.pending_counts(),
        matches=matches_service.queue_size(_min_score()),
        calibration=levels.calibration(),
        review_min_score=levels.review_min_score(),
        exposure=exposure.statistics(),
    )


@bp.route("/organizations")
def organizations() -> str:
    """Organisations waiting for review."""
    return render_template(
        "review/organizations.html", items=services.pending_organizations(), form=DecisionForm()
    )


@bp.route("/organizations/<int:org_id>/decide", methods=["POST"])
def organization_decide(org_id: int) -> Response:
    """Approve or reject an organisation."""
    org = _get(Organization, org_id)
    return _decide(
        lambda form: services.decide_organization(current_user, org, form.approved, form.note),
        "review.organizations",
        f"单位“{org.name}”",
    )


@bp.route("/listings")
def listings() -> str:
    """Scenarios and capabilities waiting for review, filtered and paged, oldest first."""
    filters = services.QueueFilters.from_args(request.args)
    page, items = services.listing_queue(filters, page_arg())
    orgs = {item.listing.organization_id for item in items}
    return render_template(
        "review/listings.html",
        page=page,
        items=items,
        filters=filters,
        history=services.organization_history(orgs) if orgs else {},
        domains=taxonomy.names("domain"),
        districts=taxonomy.names("district"),
        organizations=_queue_organizations(),
        form=ListingDecisionForm(),
        close_form=CloseForm(),
        bulk_form=EmptyForm(),
    )


def _queue_organizations() -> list[Organization]:
    """Organisations for the filter: those with listings (a few hundred at most)."""
    query = sa.select(Organization).where(Organization.role != Role.REVIEWER)
    return list(db.session.scalars(query.order_by(Organization.name)))


def _back_to_queue() -> str:
    """The queue page the reviewer came from (filters and page kept), same-site only."""
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k in QUEUE_ARGS}
    return url_for("review.listings", **args)


QUEUE_ARGS = ("kind", "domain", "district", "org", "change", "page")


@bp.route("/scenarios/<int:scenario_id>/decide", methods=["POST"])
def scenario_decide(scenario_id: int) -> Response:
    """Publish or reject a scenario, or its revision."""
    return _decide_listing(_get(Scenario, scenario_id), SCENARIO.noun)


@bp.route("/capabilities/<int:capability_id>/decide", methods=["POST"])
def capability_decide(capability_id: int) -> Response:
    """Publish or reject a capability, or its revision."""
    return _decide_listing(_get(Capability, capability_id), CAPABILITY.noun)


def _decide_listing(listing: Scenario | Capability, noun: str) -> Response:
    form = ListingDecisionForm()
    back = _back_to_queue()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
        return redirect(back)
    subject = f"{noun}“{listing.title}”"
    stale = f"{subject}在您审核期间已被修改，请查看最新内容后重新审核。"
    with unit_of_work.attempt(stale=stale) as outcome:
        services.decide_listing(
            current_user, listing, form.approved, form.note, seen_version=form.seen_version()
        )
    if outcome.refused:
        return redirect(back)
    flash(f"{subject}已{'通过' if form.approved else '驳回'}。", "success")
    if form.approved:
        flash("系统正在后台为其生成推荐匹配，完成后列入“推荐匹配审核”。", "info")
    return redirect(back)


@bp.route("/listings/bulk", methods=["POST"])
def listings_bulk() -> Response:
    """Approve every ticked listing; each is decided on its own, refusals are listed."""
    back = _back_to_queue()
    if not EmptyForm().validate_on_submit():
        return redirect(back)
    keys = request.form.getlist("items")
    if not keys:
        flash("请先勾选要通过的内容。", "warning")
        return redirect(back)
    done, refused = services.bulk_approve(current_user, keys)
    if done:
        flash(f"已批量通过{len(done)}项：{'、'.join(done)}。", "success")
    for message in refused:
        flash(f"未通过：{message}", "danger")
    return redirect(back)


@bp.route("/<kind:kind>/<int:listing_id>/close", methods=["POST"])
def listing_close(kind: ListingKind, listing_id: int) -> Response:
    """Close a published listing (e.g. it breaks the rules), telling its owner why."""
    listing = _get(kind.model, listing_id)
    form = CloseForm()
    back = kind.detail_url(listing)
    if not form.validate_on_submit():
        flash("关闭时请填写原因。", "danger")
        return redirect(back)
    seen = form.lock_version.data or ""
    with unit_of_work.attempt(stale="该内容已被他人修改，请刷新后重新关闭。") as outcome:
        close_listing(current_user, listing, form.reason.data, parse_id(seen))
    if not outcome.refused:
        flash("已关闭，已通知发布单位。", "success")
    return redirect(back)


MATCH_PAGE_SIZE = 25


@bp.route("/matches")
def matches() -> str:
    """Recommended pairs (not yet engaged) estimated at least as likely to be relevant as the
    threshold, both texts side by side."""
    min_probability = _min_probability()
    page = db.paginate(
        matches_service.queue(levels.score_for(min_probability)),
        page=page_arg(),
        per_page=MATCH_PAGE_SIZE,
        error_out=False,
    )
    return render_template(
        "review/matches.html",
        page=page,
        min_probability=min_probability,
        form=DecisionForm(),
        bulk_form=DecisionForm(prefix="bulk"),
    )


@bp.route("/matches/<int:recommendation_id>/decide", methods=["POST"])
def match_decide(recommendation_id: int) -> Response:
    """Push a pair to both organisations, or turn it down with a reason."""
    rec = _get(Recommendation, recommendation_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for("review.matches"))
    return _match_outcome([rec.id], form)


@bp.route("/matches/bulk", methods=["POST"])
def matches_bulk() -> Response:
    """Decide every ticked pair (or the whole page) the same way, with one reason."""
    form = DecisionForm(prefix="bulk")
    back = url_for("review.matches", **_match_args())
    ids = matches_service.parse_ids(
        request.form.getlist("page_items" if request.form.get("all") else "items")
    )
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(back)
    if not ids:
        flash("请先勾选要审核的推荐。", "warning")
        return redirect(back)
    return _match_outcome(ids, form, back)


def _match_args() -> dict[str, Any]:
    return {k: v for k, v in request.args.items() if k in ("min_probability", "page")}


def _match_outcome(ids: list[int], form: DecisionForm, back: str = "") -> Response:
    with unit_of_work.attempt() as attempt:
        outcome = matches_service.decide(current_user, ids, form.approved, form.note)
    if attempt.refused:
        return redirect(back or url_for("review.matches"))
    verb = "通过" if form.approved else "驳回"
    if len(ids) == 1 and outcome.done:
        flash(f"该推荐已{verb}。", "success")
    elif outcome.done:
        flash(f"已批量{verb}{len(outcome.done)}条推荐。", "success")
    for message in outcome.stale:
        flash(f"未处理：{message}", "warning")
    for message in outcome.refused:
        flash(f"未处理：{message}", "danger")
    return redirect(back or url_for("review.matches"))


def _flash_errors(form: Any) -> None:
    for errors in form.errors.values():
        for message in errors:
            flash(message, "danger")


def _decide(apply: Any, back: str, subject: str) -> Response:
    form = DecisionForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
        return redirect(url_for(back))
    with unit_of_work.attempt() as outcome:
        apply(form)
    if not outcome.refused:
        flash(f"{subject}已{'通过' if form.approved else '驳回'}。", "success")
    return redirect(url_for(back))


def _min_probability() -> float:
    """The queue's threshold, an estimated probability that a pair is relevant: configured
    (MATCH_REVIEW_MIN_PROBABILITY), or set by the reviewer in the query string."""
    default = float(current_app.config["MATCH_REVIEW_MIN_PROBABILITY"])
    value = request.args.get("min_probability", default, type=float)
    if value is None or not math.isfinite(value):
        return default
    return min(max(value, 0.0), 1.0)


def _min_score() -> float:
    """The score at which a pair reaches the queue's probability threshold."""
    return levels.score_for(_min_probability())


@bp.route("/engine")
def engine() -> str:
    """The matching engine: what it serves, its re-rankers, the administrators' vocabulary."""
    return render_template(
        "review/engine.html",
        overview=recommendations.engine_overview(),
        models=learning.history(),
        training=jobs_admin.latest(matching_jobs.TRAIN),
        rebuild=jobs_admin.latest(maintenance.REBUILD),
        examples=learning.example_count(),
        entries=vocabulary.entries(),
        form=VocabularyForm(),
        action=EmptyForm(),
        calibration=levels.calibration(),
        review_min_score=levels.review_min_score(),
        exposure=exposure.statistics(),
    )


@bp.route("/engine/rebuild", methods=["POST"])
def engine_rebuild() -> Response:
    """Tokenise every listing again and build the engine and indexes (served when ready)."""
    if EmptyForm().validate_on_submit():
        maintenance.request_rebuild(refeaturize=True)
        audit.record_event("engine_rebuild", actor=current_user, subject_type="engine")
        flash("已开始重新分词并构建索引，完成后各服务进程自动切换。", "success")
    return redirect(url_for("review.engine"))


@bp.route("/engine/train", methods=["POST"])
def train_reranker() -> Response:
    """Start training a re-ranker on the review decisions (a background job)."""
    if EmptyForm().validate_on_submit():
        enqueue(matching_jobs.TRAIN, created_by=current_user, admin_id=current_user.id)
        audit.record_event("reranker_train", actor=current_user, subject_type="engine")
        flash("已开始训练，结果将显示在本页“最近一次训练”。", "info")
    return redirect(url_for("review.engine"))


@bp.route("/engine/deactivate", methods=["POST"])
def deactivate_reranker() -> Response:
    """Stop using the learned re-ranker."""
    if EmptyForm().validate_on_submit():
        learning.deactivate()
        audit.record_event("reranker_deactivate", actor=current_user, subject_type="engine")
        flash("已停用学习模型，恢复基础评分。", "success")
    return redirect(url_for("review.engine"))


@bp.route("/engine/vocabulary", methods=["POST"])
def vocabulary_add() -> Response | str:
    """Add a dictionary word or a synonym group."""
    form = VocabularyForm()
    if form.validate_on_submit():
        with unit_of_work.attempt() as outcome:
            vocabulary.add(current_user, VocabularyKind(form.kind.data), form.text.data)
        if not outcome.refused:
            flash("已添加；正在按新词表重新分词并构建索引，完成后自动切换。", "success")
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
    return redirect(url_for("review.engine"))


@bp.route("/engine/vocabulary/<int:entry_id>/delete", methods=["POST"])
def vocabulary_delete(entry_id: int) -> Response:
    """Remove an entry."""
    entry = _get(VocabularyEntry, entry_id)
    if EmptyForm().validate_on_submit():
        vocabulary.remove(current_user, entry)
        flash("已删除。", "success")
    return redirect(url_for("review.engine"))
