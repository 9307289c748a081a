"""Creating, editing, submitting and reviewing scenarios and capabilities."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from app import audit, taxonomy
from app.errors import DomainError
from app.extensions import db
from app.listings.lifecycle import next_status
from app.models import Capability, ReferenceCase, Scenario
from app.models.base import utcnow
from app.models.org import Role
from app.notifications import services as notifications
from app.recommendations import services as recommendations
from app.saved_searches import services as saved_searches
from app.security import policies

Listing = Scenario | Capability


@dataclass(frozen=True)
class ScenarioInput:
    """The fields an owner fills in for a scenario."""

    title: str
    domain: str
    district: str
    description: str
    needs: str
    expected: str
    tags: list[str]
    budget_wan: Decimal | None
    opening_method: str
    deadline: date | None
    contact_name: str
    contact_phone: str


@dataclass(frozen=True)
class CaseInput:
    """One reference case of a capability."""

    client: str
    year: int
    result: str


@dataclass(frozen=True)
class CapabilityInput:
    """The fields an owner fills in for a capability."""

    title: str
    cap_type: str
    maturity: str
    domains: list[str]
    tags: list[str]
    description: str
    keywords: str
    qualifications: str
    case: CaseInput | None


def create_scenario(user: Any, data: ScenarioInput) -> Scenario:
    """A new draft scenario owned by the user's organisation."""
    if user.role is not Role.PUBLISHER:
        raise DomainError("只有场景发布单位可以发布场景。")
    scenario = Scenario(organization_id=user.organization_id)
    _fill_scenario(scenario, data)
    db.session.add(scenario)
    recommendations.refresh_features(scenario)
    audit.record(user, "create", scenario)
    return scenario


def update_scenario(user: Any, scenario: Scenario, data: ScenarioInput) -> None:
    """Change a draft or rejected scenario."""
    _require_editable(user, scenario)
    _fill_scenario(scenario, data)
    recommendations.refresh_features(scenario)
    audit.record(user, "edit", scenario)


def _fill_scenario(scenario: Scenario, data: ScenarioInput) -> None:
    scenario.title = data.title
    scenario.domain = data.domain
    scenario.district = data.district
    scenario.description = data.description
    scenario.needs = data.needs
    scenario.expected = data.expected
    scenario.tags = taxonomy.terms("tag", data.tags)
    scenario.budget_wan = data.budget_wan
    scenario.opening_method = data.opening_method
    scenario.deadline = data.deadline
    scenario.contact_name = data.contact_name
    scenario.contact_phone = data.contact_phone


def create_capability(user: Any, data: CapabilityInput) -> Capability:
    """A new draft capability owned by the user's firm."""
    if user.role is not Role.FIRM:
        raise DomainError("只有数字企业可以发布能力。")
    capability = Capability(organization_id=user.organization_id)
    _fill_capability(capability, data)
    db.session.add(capability)
    recommendations.refresh_features(capability)
    audit.record(user, "create", capability)
    return capability


def update_capability(user: Any, capability: Capability, data: CapabilityInput) -> None:
    """Change a draft or rejected capability."""
    _require_editable(user, capability)
    _fill_capability(capability, data)
    recommendations.refresh_features(capability)
    audit.record(user, "edit", capability)


def _fill_capability(capability: Capability, data: CapabilityInput) -> None:
    capability.title = data.title
    capability.cap_type = data.cap_type
    capability.maturity = data.maturity
    capability.domains = taxonomy.terms("domain", data.domains)
    capability.tags = taxonomy.terms("tag", data.tags)
    capability.description = data.description
    capability.keywords = data.keywords
    capability.qualifications = data.qualifications
    capability.cases = (
        [ReferenceCase(client=data.case.client, year=data.case.year, result=data.case.result)]
        if data.case
        else []
    )


def _require_editable(user: Any, listing: Listing) -> None:
    if not policies.is_owner(user, listing):
        raise DomainError("只能修改本单位的内容。")
    if not listing.is_editable:
        raise DomainError(f"“{listing.status.label}”状态的内容不能修改。")


def submit(user: Any, listing: Listing) -> None:
    """Send a draft or rejected listing to the administrators' review queue."""
    if not policies.is_owner(user, listing):
        raise DomainError("只能提交本单位的内容。")
    if not user.organization.is_approved:
        raise DomainError("单位信息尚未通过平台审核，审核通过后才能提交发布。")
    listing.status = next_status(listing.status, "submit")
    listing.submitted_at = utcnow()
    listing.review_note = ""
    audit.record(user, "submit", listing)


def approve(admin: Any, listing: Listing) -> None:
    """Publish a listing under review."""
    listing.status = next_status(listing.status, "approve")
    listing.published_at = utcnow()
    listing.review_note = ""
    recommendations.record_change(listing)
    saved_searches.alert_for(listing)  # also stores its search tokens
    audit.record(admin, "approve", listing)
    _tell_owner(listing, f"“{listing.title}”已审核通过并发布。")


def reject(admin: Any, listing: Listing, reason: str) -> None:
    """Send a listing back to its owner with the reason."""
    if not reason.strip():
        raise DomainError("驳回时请填写原因。", field="reason")
    listing.status = next_status(listing.status, "reject")
    listing.review_note = reason.strip()
    audit.record(admin, "reject", listing, reason.strip())
    _tell_owner(listing, f"“{listing.title}”未通过审核。", body=f"驳回原因：{reason.strip()}")


def _tell_owner(listing: Listing, title: str, body: str = "") -> None:
    kind = "scenarios" if isinstance(listing, Scenario) else "capabilities"
    link = f"/my/{kind}/{listing.id}/edit" if not listing.is_published else f"/{kind}/{listing.id}"
    notifications.notify_organization(
        listing.organization_id, "listing_reviewed", title, link, body
    )
