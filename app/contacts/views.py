"""Reveal buttons (POST, logged) and the administrators' reveal log (under /review)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

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

T = TypeVar("T")


@bp.route("/scenarios/<int:scenario_id>/contact", methods=["POST"])
def reveal_scenario(scenario_id: int) -> Response:
    """Reveal a scenario's contact person (logged)."""
    scenario = _visible_or_404(Scenario, scenario_id, may_view_scenario)
    back = url_for("portal.scenario_detail", scenario_id=scenario.id)
    return _reveal(scenario.organization, back, scenario=scenario)


@bp.route("/capabilities/<int:capability_id>/contact", methods=["POST"])
def reveal_capability(capability_id: int) -> Response:
    """Reveal the contacts of a capability's firm (logged)."""
    capability = _visible_or_404(Capability, capability_id, policies.can_view)
    back = url_for("portal.capability_detail", capability_id=capability.id)
    return _reveal(capability.organization, back, capability=capability)


@bp.route("/orgs/<int:org_id>/contact", methods=["POST"])
def reveal_organization(org_id: int) -> Response:
    """Reveal an organisation's contacts from its public page (logged)."""
    org = _visible_or_404(Organization, org_id, policies.can_view_organization)
    return _reveal(org, url_for("organizations.detail", org_id=org.id))


def _visible_or_404(model: type[T], row_id: int, may_view: Callable[[Any, T], bool]) -> T:
    """The row if the current user may see it; otherwise 404 (as if it did not exist)."""
    found = db.session.get(model, row_id)
    if found is None or not may_view(current_user, found):
        abort(404)
    return found


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
