"""Contacts are masked until an approved organisation or an administrator reveals them (logged)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.contacts import services
from app.errors import DomainError
from app.extensions import db
from app.models import ContactReveal, ListingStatus, OrgStatus, Role, User
from app.models.base import utcnow
from tests.conftest import login
from tests.factories import make_capability, make_org, make_scenario, make_user

PHONE = "13805310001"
EMAIL = "zhang@jinan.example.com"


def reveals() -> list[ContactReveal]:
    return list(db.session.scalars(sa.select(ContactReveal).order_by(ContactReveal.id)))


@pytest.fixture
def scenario_id(publisher: User) -> int:
    return make_scenario(
        publisher.organization, contact_phone=PHONE, contact_email=EMAIL, contact_name="李科长"
    ).id


def page(client: FlaskClient, url: str) -> str:
    return client.get(url).get_data(as_text=True)


def test_anonymous_visitors_see_masked_contacts_and_a_sign_in_hint(
    client: FlaskClient, scenario_id: int
) -> None:
    html = page(client, f"/scenarios/{scenario_id}")
    assert "138****0001" in html
    assert "z***@jinan.example.com" in html
    assert PHONE not in html
    assert EMAIL not in html
    assert "李科长" in html, "the contact person's name stays readable"
    assert "登录</a>并通过单位审核后可查看完整联系方式" in html
    assert "查看联系方式</button>" not in html


def test_unapproved_organisations_see_masked_contacts_and_cannot_reveal(
    client: FlaskClient, scenario_id: int
) -> None:
    pending = make_user(make_org(Role.FIRM, OrgStatus.PENDING))
    login(client, pending)
    html = page(client, f"/scenarios/{scenario_id}")
    assert "138****0001" in html
    assert PHONE not in html
    assert "单位信息审核通过后可查看完整联系方式" in html
    response = client.post(f"/scenarios/{scenario_id}/contact")
    assert response.status_code == 302
    follow = page(client, response.headers["Location"])
    assert "单位信息审核通过后才能查看联系方式。" in follow
    assert PHONE not in follow
    assert reveals() == []


def test_an_approved_firm_reveals_contacts_with_a_logged_post(
    client: FlaskClient, firm: User, scenario_id: int
) -> None:
    login(client, firm)
    html = page(client, f"/scenarios/{scenario_id}")
    assert PHONE not in html
    assert EMAIL not in html
    assert "查看联系方式</button>" in html
    assert client.get(f"/scenarios/{scenario_id}/contact").status_code == 405, "POST only"
    response = client.post(
        f"/scenarios/{scenario_id}/contact", environ_base={"REMOTE_ADDR": "203.0.113.9"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/scenarios/{scenario_id}#contact"
    html = page(client, f"/scenarios/{scenario_id}")
    assert PHONE in html
    assert f"mailto:{EMAIL}" in html
    [row] = reveals()
    assert (row.user_id, row.viewer_organization_id) == (firm.id, firm.organization_id)
    assert row.scenario_id == scenario_id
    assert row.capability_id is None
    assert row.ip == "203.0.113.9"
    assert row.created_at is not None
    # a second press within the day shows the same contacts without a second row
    client.post(f"/scenarios/{scenario_id}/contact")
    assert len(reveals()) == 1


def test_a_reveal_lasts_a_day(client: FlaskClient, firm: User, scenario_id: int) -> None:
    login(client, firm)
    client.post(f"/scenarios/{scenario_id}/contact")
    [row] = reveals()
    row.created_at = utcnow() - timedelta(hours=25)
    db.session.commit()
    assert PHONE not in page(client, f"/scenarios/{scenario_id}")


def test_members_see_their_own_contacts_without_a_reveal(
    client: FlaskClient, publisher: User, scenario_id: int
) -> None:
    login(client, publisher)
    assert PHONE in page(client, f"/scenarios/{scenario_id}")
    assert reveals() == []


def test_administrators_reveal_too_and_are_logged(
    client: FlaskClient, admin: User, scenario_id: int
) -> None:
    login(client, admin)
    assert PHONE not in page(client, f"/scenarios/{scenario_id}")
    client.post(f"/scenarios/{scenario_id}/contact")
    assert PHONE in page(client, f"/scenarios/{scenario_id}")
    [row] = reveals()
    assert row.user_id == admin.id
    assert row.viewer_organization_id is None


def test_capability_pages_reveal_the_firms_contacts(client: FlaskClient, publisher: User) -> None:
    firm_org = make_org(Role.FIRM, contact_phone="13912345678", contact_email="li@firm.example")
    capability = make_capability(firm_org)
    login(client, publisher)
    html = page(client, f"/capabilities/{capability.id}")
    assert "139****5678" in html
    assert "l***@firm.example" in html
    assert "13912345678" not in html
    client.post(f"/capabilities/{capability.id}/contact")
    assert "13912345678" in page(client, f"/capabilities/{capability.id}")
    [row] = reveals()
    assert (row.organization_id, row.capability_id) == (firm_org.id, capability.id)
    # one reveal covers the organisation's contacts on its other pages too
    assert "13912345678" in page(client, f"/orgs/{firm_org.id}")


def test_draft_listings_cannot_be_revealed_by_outsiders(
    client: FlaskClient, publisher: User, firm: User
) -> None:
    draft = make_scenario(publisher.organization, ListingStatus.DRAFT)
    login(client, firm)
    assert client.post(f"/scenarios/{draft.id}/contact").status_code == 404
    assert reveals() == []


def test_reveals_are_limited_per_user_per_day(
    app: Flask, client: FlaskClient, firm: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "CONTACT_REVEAL_DAILY_LIMIT", 2)
    publishers = [make_org(Role.PUBLISHER, contact_phone=f"1380531000{i}") for i in range(3)]
    scenarios = [make_scenario(org) for org in publishers]
    login(client, firm)
    for scenario in scenarios[:2]:
        client.post(f"/scenarios/{scenario.id}/contact")
    response = client.post(f"/scenarios/{scenarios[2].id}/contact")
    html = page(client, response.headers["Location"])
    assert "24小时内查看联系方式的次数已达上限（2次），请稍后再试。" in html
    assert "13805310002" not in html
    assert len(reveals()) == 2
    # another user has a limit of their own
    login(client, make_user(firm.organization))
    client.post(f"/scenarios/{scenarios[2].id}/contact")
    assert len(reveals()) == 3


def test_the_limit_counts_only_the_last_24_hours(firm: User) -> None:
    orgs = [make_org(Role.PUBLISHER) for _ in range(3)]
    old = utcnow() - timedelta(hours=30)
    services.reveal(firm, orgs[0], ip="", limit=1, now=old)
    services.reveal(firm, orgs[1], ip="", limit=1)
    with pytest.raises(DomainError, match="上限（1次）"):
        services.reveal(firm, orgs[2], ip="", limit=1)


def test_administrators_read_the_reveal_log_filtered_by_organisation(
    client: FlaskClient, admin: User, firm: User, other_firm: User, publisher: User
) -> None:
    pub = publisher.organization
    second = make_org(Role.PUBLISHER, name="济南市测试局")
    services.reveal(firm, pub, ip="198.51.100.7", limit=50)
    services.reveal(other_firm, pub, ip="", limit=50)
    services.reveal(other_firm, second, ip="", limit=50)
    db.session.commit()
    login(client, admin)
    html = page(client, "/review/contacts")
    assert html.count("<tr>") == 1 + 3
    assert "198.51.100.7" in html
    assert firm.email in html
    html = page(client, f"/review/contacts?org={second.id}")
    assert html.count("<tr>") == 1 + 1
    html = page(client, f"/review/contacts?org={firm.organization_id}")
    assert html.count("<tr>") == 1 + 1, "reveals made by an organisation count too"


def test_the_reveal_log_is_paginated(
    app: Flask, client: FlaskClient, admin: User, firm: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)  # four rows a page
    for _ in range(5):
        services.reveal(firm, make_org(Role.PUBLISHER), ip="", limit=50)
    db.session.commit()
    login(client, admin)
    first = page(client, "/review/contacts")
    assert first.count("<tr>") == 1 + 4
    assert "共 5 条" in first
    assert page(client, "/review/contacts?page=2").count("<tr>") == 1 + 1


def test_the_reveal_log_is_for_administrators_only(client: FlaskClient, firm: User) -> None:
    login(client, firm)
    assert client.get("/review/contacts").status_code == 403


def test_a_reveal_needs_the_csrf_token(
    fresh_app: Callable[..., Flask], firm: User, scenario_id: int
) -> None:
    client = fresh_app().test_client()
    login(client, firm)
    response = client.post(f"/scenarios/{scenario_id}/contact")
    assert response.status_code == 400
    assert reveals() == []
    html = client.get(f"/scenarios/{scenario_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert token is not None
    response = client.post(f"/scenarios/{scenario_id}/contact", data={"csrf_token": token[1]})
    assert response.status_code == 302
    assert len(reveals()) == 1
