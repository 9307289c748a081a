"""The parties of an engagement see each other's full contacts from 洽谈中 on: logged as an
engagement reveal, not counted against the daily limit; before that, not shown (issue 12)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.contacts import services as contacts
from app.engagements import services
from app.extensions import db
from app.models import ContactReveal, Engagement, EngagementStage, User
from tests.conftest import login
from tests.factories import make_org, make_scenario


def _engagement(publisher: User, firm: User) -> Engagement:
    scenario = make_scenario(
        publisher.organization,
        contact_name="李科长",
        contact_phone="13805310001",
        contact_email="li@example.gov.cn",
    )
    firm.organization.contact_name = "王经理"
    firm.organization.contact_phone = "13905319999"
    firm.organization.contact_email = "wang@example.com"
    engagement = services.apply(firm, scenario, "我们有成熟的道路病害识别产品。", None)
    db.session.commit()
    return engagement


def _reveals() -> list[ContactReveal]:
    return list(db.session.scalars(sa.select(ContactReveal).order_by(ContactReveal.id)))


def test_at_intent_the_parties_contacts_are_not_shown(
    client: FlaskClient, publisher: User, firm: User
) -> None:
    engagement = _engagement(publisher, firm)
    login(client, firm)
    page = client.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    assert 'data-testid="party-contact"' in page
    assert "13805310001" not in page
    assert "进入“洽谈中”后" in page
    assert _reveals() == []


def test_from_negotiation_each_party_sees_the_others_full_contact_logged_not_counted(
    app: Flask,
    client: FlaskClient,
    publisher: User,
    firm: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engagement = _engagement(publisher, firm)
    engagement.stage = EngagementStage.NEGOTIATING
    db.session.commit()
    login(client, firm)
    page = client.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    assert 'data-testid="party-contact-name">李科长<' in page
    assert 'data-testid="party-contact-phone">13805310001<' in page
    assert 'data-testid="party-contact-email">li@example.gov.cn<' in page
    login(client, publisher)
    page = client.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    assert 'data-testid="party-contact-name">王经理<' in page
    assert 'data-testid="party-contact-phone">13905319999<' in page
    assert 'data-testid="party-contact-email">wang@example.com<' in page
    logged = _reveals()
    assert [(r.user_id, r.organization_id, r.engagement_id) for r in logged] == [
        (firm.id, publisher.organization_id, engagement.id),
        (publisher.id, firm.organization_id, engagement.id),
    ]
    # viewing again the same day logs nothing more
    client.get(f"/engagements/{engagement.id}")
    assert len(_reveals()) == 2
    # not counted: with a limit of one, the firm may still reveal another organisation
    assert contacts.reveals_in_window(firm.id, logged[0].created_at) == 0
    other = make_org(publisher.organization.role)
    assert contacts.reveal(firm, other, ip="", limit=1) is not None


def test_the_reveal_log_marks_engagement_reveals(
    client: FlaskClient, publisher: User, firm: User, admin: User
) -> None:
    engagement = _engagement(publisher, firm)
    engagement.stage = EngagementStage.NEGOTIATING
    db.session.commit()
    login(client, firm)
    client.get(f"/engagements/{engagement.id}")
    login(client, admin)
    log = client.get("/review/contacts").get_data(as_text=True)
    assert 'data-testid="engagement-reveal"' in log


def test_outsiders_get_no_contacts(client: FlaskClient, publisher: User, firm: User) -> None:
    engagement = _engagement(publisher, firm)
    engagement.stage = EngagementStage.NEGOTIATING
    db.session.commit()
    stranger = make_org(firm.organization.role)
    from tests.factories import make_user

    login(client, make_user(stranger))
    assert client.get(f"/engagements/{engagement.id}").status_code == 404
    assert _reveals() == []
