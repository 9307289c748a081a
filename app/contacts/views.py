"""Reveal buttons (POST, logged) and the administrators' reveal log (under /review)."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app import unit_of_work
from app.contacts import bp, services
from app.extensions import db
from app.forms import EmptyForm
from app.models import Capability, Organization, Scenario
from app.paging import id_arg, page_arg
from app.security import policies
from app.security.visibility import may_view_scenario


@bp.route("/scenarios/<int:scenario_id>/contact", methods=["POST"])
def reveal_scenario(scenario_id: int) -> Response:
    """Reveal a scenario's contact person (logged)."""
    scenario = db.session.get(Scenario, scenario_id)
    if scenario is None or not may_view_scenario(current_user, scenario):
        abort(404)
    back = url_for("portal.scenario_detail", scenario_id=scenario.id)
    return _reveal(scenario.organization, back, scenario=scenario)


@bp.route("/capabilities/<int:capability_id>/contact", methods=["POST"])
def reveal_capability(capability_id: int) -> Response:
    """Reveal the contacts of a capability's firm (logged)."""
    capability = db.session.get(Capability, capability_id)
    if capability is None or not policies.can_view(current_user, capability):
        abort(404)
    back = url_for("portal.capability_detail", capability_id=capability.id)
    return _reveal(capability.organization, back, capability=capability)


@bp.route("/orgs/<int:org_id>/contact", methods=["POST"])
def reveal_organization(org_id: int) -> Response:
    """Reveal an organisation's contacts from its public page (logged)."""
    org = db.session.get(Organization, org_id)
    if org is None or not policies.can_view_organization(current_user, org):
        abort(404)
    return _reveal(org, url_for("organizations.detail", org_id=org.id))


def _reveal(
    org: Organization,
    back: str,
    scenario: Scenario | None = None,
    capability: Capability | None = None,
) -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    with unit_of_work.attempt(category="warning") as outcome:
        services.reveal(
            current_user,
            org,
            ip=request.remote_addr or "",
            limit=int(current_app.config["CONTACT_REVEAL_DAILY_LIMIT"]),
            scenario=scenario,
            capability=capability,
        )
    if outcome.error is not None:  # the refusal is recorded; the reveal is not
        services.record_refusal(current_user, org, outcome.error.message, scenario, capability)
    return redirect(f"{back}#contact")


@bp.route("/review/contacts")
def reveal_log() -> str:
    """Who revealed whose contacts, newest first, optionally for one organisation."""
    org_id = id_arg("org")
    page = db.paginate(
        services.log_query(org_id),
        page=page_arg(),
        per_page=current_app.config["PAGE_SIZE"] * 4,
        error_out=False,
    )
    return render_template(
        "contacts/log.html",
        page=page,
        org_id=org_id,
        organizations=services.organizations_in_log(),
    )
