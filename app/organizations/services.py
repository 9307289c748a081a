"""Use cases of organisation profiles: editing (name or USCC changes go back to review), reading."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app import audit, taxonomy
from app.errors import DomainError
from app.extensions import db
from app.models import Capability, ListingStatus, Organization, OrgStatus, Role, Scenario, User
from app.notifications import services as notifications


@dataclass(frozen=True)
class Profile:
    """The editable fields of an organisation."""

    name: str
    uscc: str | None
    kind: str
    district: str
    is_local: bool
    industry_chain: str | None
    honours: tuple[str, ...]
    intro: str
    contact_name: str
    contact_phone: str
    contact_email: str


def update_profile(user: User, org: Organization, data: Profile) -> bool:
    """Save the profile; return True when the organisation went back to review."""
    if user.organization_id != org.id:
        raise DomainError("只能修改本单位的信息。")
    if org.role is Role.FIRM and not data.uscc:
        raise DomainError("数字企业须填写统一社会信用代码。", field="uscc")
    _refuse_duplicates(org, data)
    identity_changed = data.name != org.name or (data.uscc or None) != org.uscc
    _apply(org, data)
    resubmit = org.status is OrgStatus.REJECTED or (
        org.status is OrgStatus.APPROVED and identity_changed
    )
    if resubmit:
        org.status = OrgStatus.PENDING
        org.reviewed_at = None
        notifications.notify_admins(
            "organization_changed",
            f"单位“{org.name}”修改了信息，等待重新审核",
            link="/review/organizations",
        )
    db.session.flush()
    audit.record(user, "resubmit" if resubmit else "update_profile", org)
    return resubmit


def _apply(org: Organization, data: Profile) -> None:
    org.name = data.name
    org.uscc = data.uscc or None
    org.kind = data.kind
    org.district = data.district
    org.is_local = data.is_local
    org.industry_chain = data.industry_chain or None
    org.honours = taxonomy.terms("honour", data.honours)
    org.intro = data.intro
    org.contact_name = data.contact_name
    org.contact_phone = data.contact_phone
    org.contact_email = data.contact_email


def _refuse_duplicates(org: Organization, data: Profile) -> None:
    others = sa.select(Organization.id).where(Organization.id != org.id)
    if db.session.scalar(others.where(Organization.name == data.name)):
        raise DomainError("该单位名称已被其他单位使用。", field="org_name")
    if data.uscc and db.session.scalar(others.where(Organization.uscc == data.uscc)):
        raise DomainError("该统一社会信用代码已被其他单位注册。", field="uscc")


def published_scenarios(org: Organization) -> list[Scenario]:
    """The organisation's published scenarios, newest first."""
    query = (
        sa.select(Scenario)
        .where(Scenario.organization_id == org.id, Scenario.status == ListingStatus.PUBLISHED)
        .options(selectinload(Scenario.tags))
    )
    return list(
        db.session.scalars(query.order_by(Scenario.published_at.desc(), Scenario.id.desc()))
    )


def published_capabilities(org: Organization) -> list[Capability]:
    """The organisation's published capabilities, newest first."""
    query = (
        sa.select(Capability)
        .where(Capability.organization_id == org.id, Capability.status == ListingStatus.PUBLISHED)
        .options(selectinload(Capability.tags), selectinload(Capability.domains))
    )
    return list(
        db.session.scalars(query.order_by(Capability.published_at.desc(), Capability.id.desc()))
    )
