"""A small published world for the API tests and the contract test: what must appear (published
listings, a public batch, a published case, approved organisations) and what must never."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from app import clock
from app.batches import services as batches
from app.extensions import db
from app.models import (
    BatchKind,
    CaseStatus,
    ExcellentCase,
    ListingStatus,
    OrgStatus,
    Role,
    Scenario,
    User,
)
from app.models.base import utcnow
from tests.factories import landed, make_capability, make_org, make_scenario, make_user
from tests.integration.test_cases import CASE

HIDDEN_TITLE = "不应公开的内容"


@dataclass
class World:
    """The rows the tests look for."""

    scenarios: list[Scenario]
    hidden_scenarios: list[Scenario]
    capability_ids: list[int]
    hidden_capability_ids: list[int]
    batch_number: int
    case_id: int
    draft_case_id: int
    pending_org_id: int


def _case(publisher: User, firm: User, status: CaseStatus, title: str) -> int:
    engagement = landed(publisher, firm)
    now = utcnow()
    case = ExcellentCase(
        engagement=engagement,
        **{**CASE, "title": title},
        status=status,
        publisher_consent_at=now if status is CaseStatus.PUBLISHED else None,
        firm_consent_at=now if status is CaseStatus.PUBLISHED else None,
        published_at=now if status is CaseStatus.PUBLISHED else None,
    )
    db.session.add(case)
    db.session.commit()
    return case.id


def build(admin: User) -> World:
    """Published and hidden rows of every kind the API serves."""
    publisher = make_user(make_org(Role.PUBLISHER, contact_phone="053188880000"))
    firm = make_user(make_org(Role.FIRM, contact_email="sales@example.com", is_local=True))
    org = publisher.organization
    shown = [
        make_scenario(org, title="城市道路病害智能巡检", contact_email="li@example.com"),
        make_scenario(org, title="社区养老智能监护", domain="智慧社区", budget_wan=80),
        make_scenario(org, title="医保基金智能审核", domain="智慧医疗", deadline=None),
    ]
    hidden = [
        make_scenario(org, status=status, title=HIDDEN_TITLE)
        for status in (ListingStatus.DRAFT, ListingStatus.PENDING, ListingStatus.WITHDRAWN)
    ]
    late = make_scenario(org, title=HIDDEN_TITLE)
    late.deadline = clock.today() - timedelta(days=2)
    caps = [make_capability(firm.organization, title=f"道路病害识别{n}") for n in range(3)]
    hidden_caps = [
        make_capability(firm.organization, status=ListingStatus.DRAFT, title=HIDDEN_TITLE),
        make_capability(firm.organization, status=ListingStatus.REJECTED, title=HIDDEN_TITLE),
    ]
    batch = batches.create(admin, BatchKind.SCENARIO)
    batches.update(admin, batch, batch.title, "首批", [s.id for s in shown])
    batches.publish(admin, batch, clock.today())
    pending = make_org(Role.FIRM, status=OrgStatus.PENDING, name="待审核企业")
    db.session.commit()
    return World(
        scenarios=shown,
        hidden_scenarios=[*hidden, late],
        capability_ids=[c.id for c in caps],
        hidden_capability_ids=[c.id for c in hidden_caps],
        batch_number=batch.number,
        case_id=_case(publisher, firm, CaseStatus.PUBLISHED, "道路病害智能巡检落地"),
        draft_case_id=_case(publisher, firm, CaseStatus.DRAFT, HIDDEN_TITLE),
        pending_org_id=pending.id,
    )
