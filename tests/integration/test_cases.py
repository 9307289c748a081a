"""Excellent cases: drafted from a landed engagement, published only with both consents."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app.cases import services
from app.errors import DomainError
from app.extensions import db
from app.models import CaseStatus, ExcellentCase, User
from tests.conftest import login
from tests.factories import landed, make_engagement

CASE = {
    "title": "道路病害智能巡检落地历城区",
    "problem": "道路病害靠人工巡查，发现晚。",
    "solution": "车载视频加人工智能识别，自动派单。",
    "result": "病害发现时间缩短一半。",
    "figures": "覆盖道路 1200 公里",
}


def test_a_case_is_published_only_after_both_parties_consent(
    client: FlaskClient, admin: User, publisher: User, firm: User
) -> None:
    engagement = landed(publisher, firm)
    login(client, admin)
    form = client.get(f"/review/engagements/{engagement.id}/case").get_data(as_text=True)
    assert "病害发现时间缩短一半" in form  # prefilled from the engagement
    response = client.post(f"/review/engagements/{engagement.id}/case", data=CASE)
    case = db.session.scalar(sa.select(ExcellentCase))
    assert response.headers["Location"] == f"/cases/{case.id}"
    assert client.get("/cases").get_data(as_text=True).count(CASE["title"]) == 0
    login(client, None)
    assert client.get(f"/cases/{case.id}").status_code == 404  # a draft is not public

    login(client, admin)
    page = client.post(f"/review/cases/{case.id}/publish", follow_redirects=True)
    assert "需双方单位均同意后才能发布案例" in page.get_data(as_text=True)
    login(client, publisher)
    client.post(f"/cases/{case.id}/consent")
    login(client, admin)
    client.post(f"/review/cases/{case.id}/publish")
    assert db.session.get(ExcellentCase, case.id).status is CaseStatus.DRAFT  # firm not yet
    login(client, firm)
    client.post(f"/cases/{case.id}/consent")
    login(client, admin)
    client.post(f"/review/cases/{case.id}/publish")
    published = db.session.get(ExcellentCase, case.id)
    assert published.status is CaseStatus.PUBLISHED
    assert published.published_at is not None

    login(client, None)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert CASE["solution"] in page
    assert firm.organization.name in page
    assert CASE["title"] in client.get("/cases").get_data(as_text=True)


def test_only_landed_engagements_become_cases(admin: User, publisher: User, firm: User) -> None:
    engagement = make_engagement(publisher, firm)
    with pytest.raises(DomainError, match="只有已落地的对接"):
        services.save_draft(admin, engagement, services.CaseInput(**CASE))


def test_rewriting_a_case_asks_both_parties_again(admin: User, publisher: User, firm: User) -> None:
    engagement = landed(publisher, firm)
    case = services.save_draft(admin, engagement, services.CaseInput(**CASE))
    services.consent(publisher, case)
    services.consent(firm, case)
    assert case.fully_consented
    services.save_draft(admin, engagement, services.CaseInput(**{**CASE, "result": "缩短六成"}))
    assert not case.fully_consented
    with pytest.raises(DomainError, match="需双方单位均同意"):
        services.publish(admin, case)


def test_outsiders_cannot_consent_or_see_a_draft(
    client: FlaskClient, admin: User, publisher: User, firm: User, other_firm: User
) -> None:
    case = services.save_draft(admin, landed(publisher, firm), services.CaseInput(**CASE))
    db.session.commit()
    login(client, other_firm)
    assert client.get(f"/cases/{case.id}").status_code == 404
    assert client.post(f"/cases/{case.id}/consent").status_code == 404
    login(client, firm)
    assert "同意发布" in client.get(f"/cases/{case.id}").get_data(as_text=True)


def test_the_public_list_is_searchable_by_keyword(
    client: FlaskClient, admin: User, publisher: User, firm: User
) -> None:
    case = services.save_draft(admin, landed(publisher, firm), services.CaseInput(**CASE))
    services.consent(publisher, case)
    services.consent(firm, case)
    services.publish(admin, case)
    db.session.commit()
    assert CASE["title"] in client.get("/cases?q=派单").get_data(as_text=True)
    assert CASE["title"] in client.get(f"/cases?q={firm.organization.name}").get_data(as_text=True)
    page = client.get("/cases?q=区块链").get_data(as_text=True)
    assert CASE["title"] not in page
    assert "没有找到与“区块链”相关的案例" in page
    assert CASE["title"] not in client.get("/cases?q=100%25").get_data(as_text=True)
