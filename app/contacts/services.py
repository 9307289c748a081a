"""Use cases of contact protection: who sees what, revealing (logged, limited), the log."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app import audit
from app.errors import DomainError
from app.extensions import db
from app.models import (
    Capability,
    ContactReveal,
    Engagement,
    EngagementStage,
    Organization,
    Scenario,
    User,
)
from app.models.base import utcnow
from app.security import policies
from app.security.policies import Visitor

# a reveal keeps the contacts readable for this long, and the limit counts reveals in it
WINDOW = timedelta(hours=24)
# from 洽谈中 on, the two parties of an engagement see each other's full contacts
CONTACT_STAGES = (EngagementStage.NEGOTIATING, EngagementStage.SIGNED, EngagementStage.LANDED)


class Access(enum.StrEnum):
    """How a viewer sees an organisation's contacts."""

    FULL = "full"  # members, or revealed in the last 24 hours
    REVEAL = "reveal"  # may reveal with the button
    SIGN_IN = "sign-in"  # anonymous: masked, sign in first
    UNAPPROVED = "unapproved"  # the viewer's organisation is not approved yet: masked


def access(user: Visitor, organization_id: int, now: datetime | None = None) -> Access:
    """What the user sees of the organisation's contacts right now."""
    if not isinstance(user, User):  # the anonymous visitor is Flask-Login's stand-in
        return Access.SIGN_IN
    if policies.is_member(user, organization_id):
        return Access.FULL
    if not policies.can_reveal_contacts(user):
        return Access.UNAPPROVED
    if _last_reveal(user.id, organization_id, now or utcnow()) is not None:
        return Access.FULL
    return Access.REVEAL


def reveal(
    user: User,
    organization: Organization,
    *,
    ip: str,
    limit: int,
    scenario: Scenario | None = None,
    capability: Capability | None = None,
    now: datetime | None = None,
) -> ContactReveal | None:
    """Log a reveal of the organisation's contacts; None when already revealed in the window."""
    now = now or utcnow()
    if not policies.can_reveal_contacts(user):
        raise DomainError("单位信息审核通过后才能查看联系方式。")
    if policies.is_member(user, organization.id) or _last_reveal(user.id, organization.id, now):
        return None
    if reveals_in_window(user.id, now) >= limit:
        raise DomainError(f"24小时内查看联系方式的次数已达上限（{limit}次），请稍后再试。")
    row = ContactReveal(
        user_id=user.id,
        viewer_organization_id=user.organization_id,
        organization_id=organization.id,
        scenario_id=scenario.id if scenario else None,
        capability_id=capability.id if capability else None,
        ip=(ip or "")[:45],
        created_at=now,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(user, "contact_reveal", organization, _where(scenario, capability))
    return row


@dataclass(frozen=True)
class PartyContact:
    """The other party's full contact details, shown on an engagement page."""

    organization: str
    name: str
    phone: str
    email: str
    role: str  # "发布单位" or "揭榜企业"


def engagement_contact(
    user: User, engagement: Engagement, *, ip: str, now: datetime | None = None
) -> PartyContact | None:
    """The other party's contacts once the engagement is at 洽谈中 or later (None before).

    Showing them is logged as a reveal naming the engagement (once per 24 hours), not counted
    against the daily limit: the two parties are working together.
    """
    party = policies.engagement_party(user, engagement)
    if party is None or engagement.stage not in CONTACT_STAGES:
        return None
    now = now or utcnow()
    other = engagement.firm if party == "publisher" else engagement.scenario.organization
    if not _last_reveal(user.id, other.id, now):
        db.session.add(
            ContactReveal(
                user_id=user.id,
                viewer_organization_id=user.organization_id,
                organization_id=other.id,
                scenario_id=engagement.scenario_id,
                engagement_id=engagement.id,
                ip=(ip or "")[:45],
                created_at=now,
            )
        )
        audit.record(user, "contact_reveal", other, f"对接#{engagement.id}")
    if party == "firm":  # the scenario names the person in charge of it
        scenario = engagement.scenario
        name, phone = scenario.contact_name or other.contact_name, scenario.contact_phone
        email = scenario.contact_email or other.contact_email
        return PartyContact(other.name, name, phone or other.contact_phone, email, "发布单位")
    return PartyContact(
        other.name, other.contact_name, other.contact_phone, other.contact_email, "揭榜企业"
    )


def record_refusal(
    user: Visitor,
    organization: Organization,
    reason: str,
    scenario: Scenario | None = None,
    capability: Capability | None = None,
) -> None:
    """Audit a refused reveal (not approved, over the daily limit)."""
    note = f"{_where(scenario, capability)}：{reason}"
    audit.record(user, "contact_reveal", organization, note, outcome="failure")


def _where(scenario: Scenario | None, capability: Capability | None) -> str:
    if scenario is not None:
        return f"场景#{scenario.id}"
    if capability is not None:
        return f"能力#{capability.id}"
    return "单位主页"


def reveals_in_window(user_id: int, now: datetime) -> int:
    """How many reveals the user made in the last 24 hours."""
    query = sa.select(sa.func.count(ContactReveal.id)).where(
        ContactReveal.user_id == user_id,
        ContactReveal.created_at > now - WINDOW,
        ContactReveal.engagement_id.is_(None),  # a party's contacts shown on an engagement
    )
    return db.session.scalar(query) or 0


def _last_reveal(user_id: int, organization_id: int, now: datetime) -> int | None:
    query = sa.select(ContactReveal.id).where(
        ContactReveal.user_id == user_id,
        ContactReveal.organization_id == organization_id,
        ContactReveal.created_at > now - WINDOW,
    )
    return db.session.scalar(query.limit(1))


def log_query(organization_id: int | None = None) -> sa.Select[ContactReveal]:
    """The reveal log, newest first; with an organisation, reveals by it or of it."""
    query = sa.select(ContactReveal).options(
        selectinload(ContactReveal.user),
        selectinload(ContactReveal.viewer_organization),
        selectinload(ContactReveal.organization),
        selectinload(ContactReveal.scenario),
        selectinload(ContactReveal.capability),
    )
    if organization_id is not None:
        query = query.where(
            sa.or_(
                ContactReveal.organization_id == organization_id,
                ContactReveal.viewer_organization_id == organization_id,
            )
        )
    return query.order_by(ContactReveal.created_at.desc(), ContactReveal.id.desc())


def organizations_in_log() -> list[Organization]:
    """Organisations that revealed or were revealed, for the log's filter."""
    ids = sa.union(
        sa.select(ContactReveal.organization_id),
        sa.select(ContactReveal.viewer_organization_id).where(
            ContactReveal.viewer_organization_id.is_not(None)
        ),
    ).subquery()
    query = sa.select(Organization).where(Organization.id.in_(sa.select(ids.c[0])))
    return list(db.session.scalars(query.order_by(Organization.name)))
