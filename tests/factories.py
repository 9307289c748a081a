"""Factories of single rows: each builds one record (and what it cannot exist without), commits it
and returns it. tests/conftest.py offers each as a fixture of the same name.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from werkzeug.security import generate_password_hash

from app import clock, taxonomy
from app.batches import services as batches
from app.engagements import services as engagements
from app.extensions import db
from app.models import (
    Batch,
    BatchKind,
    Capability,
    Engagement,
    EngagementStage,
    ListingStatus,
    Organization,
    OrgStatus,
    ReferenceCase,
    Role,
    Scenario,
    User,
)
from app.models.base import utcnow
from app.search import services as search

PASSWORD = "Passw0rd-test"
# A cheap hash keeps fixtures fast; production uses werkzeug's default (scrypt).
PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")

_seq = itertools.count(1)


def valid_uscc(seed: int) -> str:
    """A fictional USCC with a correct check character."""
    from app.validators import uscc_check_char

    body = f"91370100{seed:09d}"
    return body + uscc_check_char(body)


def make_org(role: Role, status: OrgStatus = OrgStatus.APPROVED, **fields: Any) -> Organization:
    """An organisation (approved unless told)."""
    n = next(_seq)
    values: dict[str, Any] = {
        "name": f"测试单位{n}",
        "role": role,
        "kind": "民营企业" if role is Role.FIRM else "政府部门",
        "uscc": valid_uscc(n) if role is Role.FIRM else None,
        "district": "历下区",
        "is_local": True,
        "contact_name": "张三",
        "contact_phone": "13905310000",
        "status": status,
    }
    values.update(fields)
    org = Organization(**values)
    db.session.add(org)
    db.session.commit()
    return org


def make_user(org: Organization | None, role: Role | None = None, **fields: Any) -> User:
    """A user of an organisation, or an administrator when org is None."""
    n = next(_seq)
    user = User(
        email=fields.pop("email", f"user{n}@example.com"),
        name=fields.pop("name", f"用户{n}"),
        role=role or (org.role if org else Role.REVIEWER),
        organization=org,
        password_hash=PASSWORD_HASH,
        **fields,
    )
    db.session.add(user)
    db.session.commit()
    return user


def make_scenario(
    org: Organization, status: ListingStatus = ListingStatus.PUBLISHED, **fields: Any
) -> Scenario:
    """A scenario (published unless told)."""
    values: dict[str, Any] = {
        "title": "城市道路病害智能巡检",
        "domain": "智慧交通",
        "district": "历城区",
        "description": "市政道路坑槽、裂缝和井盖破损主要靠人工巡查，发现晚、记录不全，希望巡查车辆自动识别道路病害并形成台账。",
        "needs": "车载视频采集，人工智能识别路面病害，定位到北斗坐标，对接数字城管平台。",
        "expected": "病害发现时间缩短一半。",
        "budget_wan": Decimal("200"),
        "opening_method": "揭榜挂帅",
        "deadline": clock.today() + timedelta(days=60),
        "contact_name": "李科长",
        "contact_phone": "13805310001",
        "status": status,
    }
    tags = fields.pop("tags", ["人工智能", "物联网"])
    values.update(fields)
    if status is ListingStatus.PUBLISHED:
        values.setdefault("published_at", utcnow())
    scenario = Scenario(organization=org, tags=taxonomy.terms("tag", tags), **values)
    db.session.add(scenario)
    _publish(scenario)
    return scenario


def _publish(listing: Scenario | Capability) -> None:
    """Commit a new listing; a published one gets its search words, as approval gives them."""
    db.session.flush()
    if listing.status is ListingStatus.PUBLISHED:
        search.index_listing(listing)
    db.session.commit()


def make_capability(
    org: Organization, status: ListingStatus = ListingStatus.PUBLISHED, **fields: Any
) -> Capability:
    """A capability (published unless told)."""
    values: dict[str, Any] = {
        "title": "道路病害智能识别系统",
        "cap_type": "产品",
        "maturity": "规模应用",
        "description": "基于车载摄像头和人工智能视觉算法，自动识别坑槽、裂缝、井盖破损等道路病害，北斗定位生成病害台账，对接数字城管平台派单。",
        "keywords": "道路病害、坑槽识别、井盖、巡检",
        "qualifications": "ISO 9001",
        "status": status,
    }
    domains = fields.pop("domains", ["智慧交通", "城市治理"])
    tags = fields.pop("tags", ["人工智能", "北斗/空天信息"])
    values.update(fields)
    if status is ListingStatus.PUBLISHED:
        values.setdefault("published_at", utcnow())
    capability = Capability(
        organization=org,
        domains=taxonomy.terms("domain", domains),
        tags=taxonomy.terms("tag", tags),
        cases=[ReferenceCase(client="某区城管局", year=2024, result="发现病害1200处")],
        **values,
    )
    db.session.add(capability)
    _publish(capability)
    return capability


def make_engagement(publisher: User, firm: User, **fields: object) -> Engagement:
    """An application by the firm to a published scenario of the publisher, at 意向."""
    scenario = make_scenario(publisher.organization)
    engagement = engagements.apply(firm, scenario, "我们有成熟的道路病害识别产品。", None)
    for name, value in fields.items():
        setattr(engagement, name, value)
    db.session.commit()
    return engagement


def landed(publisher: User, firm: User) -> Engagement:
    """An engagement at 落地, with its contract and go-live recorded today."""
    return make_engagement(
        publisher,
        firm,
        stage=EngagementStage.LANDED,
        contract_amount_wan=Decimal("120"),
        contract_date=clock.today(),
        golive_date=clock.today(),
        result_summary="病害发现时间缩短一半",
    )


def make_batch(
    admin: User, ids: list[int], on: date | None = None, kind: BatchKind = BatchKind.SCENARIO
) -> Batch:
    """A 第N批 of the given listings, published on `on` when given."""
    batch = batches.create(admin, kind)
    batches.update(admin, batch, batch.title, "", ids)
    if on is not None:
        batches.publish(admin, batch, on)
    db.session.commit()
    return batch
