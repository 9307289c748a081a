"""Review use cases: organisations, listings (which then feed the match queue)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app import audit
from app.errors import DomainError
from app.extensions import db
from app.listings import services as listings
from app.models import Capability, ListingStatus, Organization, OrgStatus, Scenario
from app.models.base import utcnow
from app.recommendations import services as recommendations


def decide_organization(admin: Any, org: Organization, approve: bool, reason: str = "") -> None:
    """Approve an organisation so it may publish, or reject it with a reason."""
    if org.status is not OrgStatus.PENDING:
        raise DomainError(f"该单位已{org.status.label}，不能重复审核。")
    if not approve and not reason.strip():
        raise DomainError("驳回时请填写原因。", field="reason")
    org.status = OrgStatus.APPROVED if approve else OrgStatus.REJECTED
    org.review_note = "" if approve else reason.strip()
    org.reviewed_at = utcnow()
    audit.record(admin, "approve" if approve else "reject", org, reason.strip())


def decide_listing(
    admin: Any,
    listing: Scenario | Capability,
    approve: bool,
    reason: str,
    min_score: float,
    top: int,
) -> int:
    """Publish or reject a listing; a publication queues its best pairs for review."""
    if not approve:
        listings.reject(admin, listing, reason)
        return 0
    if not listing.organization.is_approved:
        raise DomainError("发布单位尚未通过审核，请先审核单位信息。")
    listings.approve(admin, listing)
    db.session.flush()
    return recommendations.queue_for(listing, min_score=min_score, top=top)


def pending_counts() -> dict[str, int]:
    """How many organisations, scenarios and capabilities wait for review (counted in SQL)."""

    def count(model: type[Any], status: Any) -> int:
        query = sa.select(sa.func.count()).select_from(model).where(model.status == status)
        return db.session.scalar(query) or 0

    return {
        "organizations": count(Organization, OrgStatus.PENDING),
        "scenarios": count(Scenario, ListingStatus.PENDING),
        "capabilities": count(Capability, ListingStatus.PENDING),
    }


def pending_organizations() -> list[Organization]:
    """Organisations waiting for review, oldest first."""
    query = sa.select(Organization).where(Organization.status == OrgStatus.PENDING)
    return list(db.session.scalars(query.order_by(Organization.created_at, Organization.id)))


def pending_scenarios() -> list[Scenario]:
    """Scenarios waiting for review, oldest first."""
    query = (
        sa.select(Scenario)
        .where(Scenario.status == ListingStatus.PENDING)
        .options(selectinload(Scenario.organization), selectinload(Scenario.tags))
        .order_by(Scenario.submitted_at, Scenario.id)
    )
    return list(db.session.scalars(query))


def pending_capabilities() -> list[Capability]:
    """Capabilities waiting for review, oldest first."""
    query = (
        sa.select(Capability)
        .where(Capability.status == ListingStatus.PENDING)
        .options(selectinload(Capability.organization), selectinload(Capability.tags))
        .order_by(Capability.submitted_at, Capability.id)
    )
    return list(db.session.scalars(query))
