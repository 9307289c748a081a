"""Review pages: every route here is for administrators only (see security.access)."""

from __future__ import annotations

import math
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.errors import DomainError
from app.extensions import db
from app.models import Capability, Organization, Recommendation, Scenario
from app.recommendations import services as recommendations
from app.review import bp, services
from app.review.forms import DecisionForm


def _get(model: type[Any], object_id: int) -> Any:
    item = db.session.get(model, object_id)
    if item is None:
        abort(404)
    return item


@bp.route("/")
def index() -> str:
    """What waits for review."""
    return render_template(
        "review/index.html",
        organizations=len(services.pending_organizations()),
        scenarios=len(services.pending_scenarios()),
        capabilities=len(services.pending_capabilities()),
        matches=db.paginate(
            recommendations.pending_queue(_min_score()), page=1, per_page=1, error_out=False
        ).total,
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
    """Scenarios and capabilities waiting for review."""
    return render_template(
        "review/listings.html",
        scenarios=services.pending_scenarios(),
        capabilities=services.pending_capabilities(),
        form=DecisionForm(),
    )


@bp.route("/scenarios/<int:scenario_id>/decide", methods=["POST"])
def scenario_decide(scenario_id: int) -> Response:
    """Publish or reject a scenario."""
    return _decide_listing(_get(Scenario, scenario_id), "场景")


@bp.route("/capabilities/<int:capability_id>/decide", methods=["POST"])
def capability_decide(capability_id: int) -> Response:
    """Publish or reject a capability."""
    return _decide_listing(_get(Capability, capability_id), "能力")


def _decide_listing(listing: Scenario | Capability, noun: str) -> Response:
    def apply(form: DecisionForm) -> None:
        queued = services.decide_listing(
            current_user,
            listing,
            form.approved,
            form.note,
            min_score=_min_score(),
            top=current_app.config["MATCH_TOP_N"],
        )
        if queued:
            flash(f"已生成{queued}条待审核的推荐匹配。", "info")

    return _decide(apply, "review.listings", f"{noun}“{listing.title}”")


@bp.route("/matches")
def matches() -> str:
    """Recommended pairs at or above the score threshold, both texts side by side."""
    min_score = _min_score()
    page = db.paginate(
        recommendations.pending_queue(min_score),
        page=max(request.args.get("page", 1, type=int) or 1, 1),
        per_page=10,
        error_out=False,
    )
    return render_template(
        "review/matches.html", page=page, min_score=min_score, form=DecisionForm()
    )


@bp.route("/matches/<int:recommendation_id>/decide", methods=["POST"])
def match_decide(recommendation_id: int) -> Response:
    """Push a pair to both organisations, or turn it down with a reason."""
    rec = _get(Recommendation, recommendation_id)
    return _decide(
        lambda form: recommendations.decide(current_user, rec, form.approved, form.note),
        "review.matches",
        "该推荐",
    )


def _decide(apply: Any, back: str, subject: str) -> Response:
    form = DecisionForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
        return redirect(url_for(back))
    try:
        apply(form)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(f"{subject}已{'通过' if form.approved else '驳回'}。", "success")
    return redirect(url_for(back))


def _min_score() -> float:
    """The queue's threshold: configured, or narrowed by the reviewer in the query string."""
    default = float(current_app.config["MATCH_REVIEW_MIN_SCORE"])
    value = request.args.get("min_score", default, type=float)
    if value is None or not math.isfinite(value):
        return default
    return min(max(value, 0.0), 1.0)
