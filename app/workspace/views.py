"""Owners' pages: the workspace, and creating, editing and submitting listings."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.errors import DomainError
from app.extensions import db
from app.forms import EmptyForm
from app.listings import services
from app.models import Capability, Role, Scenario
from app.recommendations import services as recommendations
from app.security import policies
from app.workspace import bp
from app.workspace.forms import CapabilityForm, ScenarioForm


def _own(model: type[Scenario] | type[Capability], listing_id: int) -> Any:
    """The listing if it belongs to the user's organisation; 404 otherwise (no hint it exists)."""
    listing = db.session.get(model, listing_id)
    if listing is None or not policies.is_owner(current_user, listing):
        abort(404)
    return listing


@bp.route("/")
def index() -> str:
    """The organisation's status, its listings and the platform's recommendations."""
    org = current_user.organization
    listings = org.scenarios if current_user.role is Role.PUBLISHER else org.capabilities
    return render_template(
        "workspace/index.html",
        org=org,
        listings=sorted(listings, key=lambda item: item.id, reverse=True),
        platform=recommendations.platform_recommendations(org),
        submit_form=EmptyForm(),
    )


@bp.route("/scenarios/new", methods=["GET", "POST"])
def scenario_new() -> Response | str:
    """Write a new scenario as a draft."""
    form = ScenarioForm()
    if form.validate_on_submit():
        scenario = services.create_scenario(current_user, form.to_input())
        db.session.commit()
        flash("场景已保存为草稿。确认无误后请提交审核。", "success")
        return redirect(url_for("portal.scenario_detail", scenario_id=scenario.id))
    return render_template("workspace/scenario_form.html", form=form, scenario=None)


@bp.route("/scenarios/<int:scenario_id>/edit", methods=["GET", "POST"])
def scenario_edit(scenario_id: int) -> Response | str:
    """Edit a draft or rejected scenario."""
    scenario = _own(Scenario, scenario_id)
    if not scenario.is_editable:
        flash(f"“{scenario.status.label}”状态的场景不能修改。", "warning")
        return redirect(url_for("portal.scenario_detail", scenario_id=scenario.id))
    form = ScenarioForm(data=None if _posted() else _scenario_data(scenario))
    if form.validate_on_submit():
        services.update_scenario(current_user, scenario, form.to_input())
        db.session.commit()
        flash("场景已保存。", "success")
        return redirect(url_for("portal.scenario_detail", scenario_id=scenario.id))
    return render_template("workspace/scenario_form.html", form=form, scenario=scenario)


@bp.route("/scenarios/<int:scenario_id>/submit", methods=["POST"])
def scenario_submit(scenario_id: int) -> Response:
    """Send a scenario to review."""
    return _submit(_own(Scenario, scenario_id), "portal.scenario_detail", "scenario_id")


@bp.route("/capabilities/new", methods=["GET", "POST"])
def capability_new() -> Response | str:
    """Write a new capability as a draft."""
    form = CapabilityForm()
    if form.validate_on_submit():
        capability = services.create_capability(current_user, form.to_input())
        db.session.commit()
        flash("能力已保存为草稿。确认无误后请提交审核。", "success")
        return redirect(url_for("portal.capability_detail", capability_id=capability.id))
    return render_template("workspace/capability_form.html", form=form, capability=None)


@bp.route("/capabilities/<int:capability_id>/edit", methods=["GET", "POST"])
def capability_edit(capability_id: int) -> Response | str:
    """Edit a draft or rejected capability."""
    capability = _own(Capability, capability_id)
    if not capability.is_editable:
        flash(f"“{capability.status.label}”状态的能力不能修改。", "warning")
        return redirect(url_for("portal.capability_detail", capability_id=capability.id))
    form = CapabilityForm(data=None if _posted() else _capability_data(capability))
    if form.validate_on_submit():
        services.update_capability(current_user, capability, form.to_input())
        db.session.commit()
        flash("能力已保存。", "success")
        return redirect(url_for("portal.capability_detail", capability_id=capability.id))
    return render_template("workspace/capability_form.html", form=form, capability=capability)


@bp.route("/capabilities/<int:capability_id>/submit", methods=["POST"])
def capability_submit(capability_id: int) -> Response:
    """Send a capability to review."""
    return _submit(_own(Capability, capability_id), "portal.capability_detail", "capability_id")


def _submit(listing: Scenario | Capability, endpoint: str, id_arg: str) -> Response:
    if EmptyForm().validate_on_submit():
        try:
            services.submit(current_user, listing)
        except DomainError as error:
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash("已提交审核，平台管理员审核通过后将公开发布。", "success")
    return redirect(url_for(endpoint, **{id_arg: listing.id}))


def _posted() -> bool:
    return request.method == "POST"


def _scenario_data(scenario: Scenario) -> dict[str, Any]:
    return {
        "title": scenario.title,
        "domain": scenario.domain,
        "district": scenario.district,
        "description": scenario.description,
        "needs": scenario.needs,
        "expected": scenario.expected,
        "tags": scenario.tag_names,
        "budget_wan": scenario.budget_wan,
        "opening_method": scenario.opening_method,
        "deadline": scenario.deadline,
        "contact_name": scenario.contact_name,
        "contact_phone": scenario.contact_phone,
    }


def _capability_data(capability: Capability) -> dict[str, Any]:
    case = capability.cases[0] if capability.cases else None
    return {
        "title": capability.title,
        "cap_type": capability.cap_type,
        "maturity": capability.maturity,
        "domains": capability.domain_names,
        "tags": capability.tag_names,
        "description": capability.description,
        "keywords": capability.keywords,
        "qualifications": capability.qualifications,
        "case_client": case.client if case else "",
        "case_year": case.year if case else None,
        "case_result": case.result if case else "",
    }
