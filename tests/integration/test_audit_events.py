"""What is recorded outside sign-in: exports, downloads, contact reveals, engine changes."""

from __future__ import annotations

from io import BytesIO

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app import clock
from app.batches import services as batches
from app.extensions import db
from app.models import AuditEvent, BatchKind, Engagement, ListingStatus, Outcome, Role, User
from tests import files
from tests.conftest import login
from tests.factories import make_capability, make_org, make_scenario, make_user


def recorded(action: str) -> list[AuditEvent]:
    query = sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
    return list(db.session.scalars(query))


@pytest.mark.parametrize(
    ("url", "role", "subject_type", "what"),
    [
        ("/exports/scenarios.xlsx?q=巡检", None, "scenarios", "场景机会清单.xlsx（q="),
        ("/exports/capabilities.xlsx", Role.FIRM, "capabilities", "能力清单.xlsx"),
        ("/exports/review/scenarios.xlsx", Role.REVIEWER, "scenarios", "待审核场景.xlsx"),
        ("/exports/review/capabilities.xlsx", Role.REVIEWER, "capabilities", "待审核能力.xlsx"),
        ("/dashboard/data/local.csv", None, "dashboard", "dashboard-local.csv"),
        ("/review/dashboard/data/rejections.xlsx", Role.REVIEWER, "dashboard", "admin-dashboard-"),
    ],
)
def test_every_export_is_recorded_with_who_and_what(
    client: FlaskClient, url: str, role: Role | None, subject_type: str, what: str
) -> None:
    user = None
    if role is Role.REVIEWER:
        user = make_user(None, Role.REVIEWER)
    elif role is not None:
        user = make_user(make_org(role))
    login(client, user)
    assert client.get(url).status_code == 200
    [event] = recorded("export")
    assert (event.subject_type, event.actor_id) == (subject_type, user.id if user else None)
    assert event.note.startswith(what)
    assert event.client_address == "127.0.0.1"


def test_a_batch_download_is_recorded(client: FlaskClient, admin: User) -> None:
    ids = [make_scenario(make_org(Role.PUBLISHER)).id]
    batch = batches.create(admin, BatchKind.SCENARIO)
    batches.update(admin, batch, batch.title, "", ids)
    batches.publish(admin, batch, clock.today())
    db.session.commit()
    batch_id, title = batch.id, batch.title
    login(client, None)
    assert client.get(f"/batches/{batch_id}.xlsx").status_code == 200
    [event] = recorded("export")
    assert (event.subject_type, event.subject_id, event.actor_id) == ("batches", batch_id, None)
    assert event.note == f"{title}.xlsx"


def test_an_attachment_download_is_recorded(client: FlaskClient, firm: User) -> None:
    capability = make_capability(firm.organization, ListingStatus.DRAFT)
    login(client, firm)
    client.post(
        f"/my/capabilities/{capability.id}/attachments",
        data={"file": (BytesIO(files.pdf()), "白皮书.pdf")},
        content_type="multipart/form-data",
    )
    attachment_id = db.session.scalar(sa.text("SELECT id FROM attachments"))
    response = client.get(f"/attachments/{attachment_id}")
    assert response.status_code == 200
    [event] = recorded("download")
    assert (event.subject_type, event.subject_id) == ("attachments", attachment_id)
    assert (event.actor_id, event.note) == (firm.id, "白皮书.pdf")


def test_a_refused_download_records_nothing_and_reveals_nothing(
    client: FlaskClient, other_firm: User
) -> None:
    login(client, other_firm)
    assert client.get("/attachments/999").status_code == 404
    assert recorded("download") == []


def test_an_engagement_attachment_download_is_recorded(
    client: FlaskClient, publisher: User, firm: User
) -> None:
    scenario = make_scenario(publisher.organization)
    login(client, firm)
    client.post(
        f"/scenarios/{scenario.id}/apply",
        data={
            "proposal": "我们有成熟的解决方案和案例。",
            "attachment": (BytesIO(files.pdf()), "方案.pdf"),
        },
        content_type="multipart/form-data",
    )
    engagement = db.session.scalar(sa.select(Engagement))
    login(client, publisher)
    response = client.get(f"/engagements/{engagement.id}/attachment")
    assert response.status_code == 200
    response.close()
    [event] = recorded("download")
    assert (event.subject_type, event.subject_id) == ("engagements", engagement.id)
    assert (event.actor_id, event.actor_role, event.note) == (publisher.id, "publisher", "方案.pdf")


def test_a_contact_reveal_is_recorded_and_the_phone_is_not(
    client: FlaskClient, publisher: User, firm: User
) -> None:
    scenario = make_scenario(publisher.organization, contact_phone="13805310001")
    login(client, firm)
    assert client.post(f"/scenarios/{scenario.id}/contact").status_code == 302
    [event] = recorded("contact_reveal")
    assert (event.subject_type, event.subject_id) == ("organizations", publisher.organization_id)
    assert (event.actor_id, event.outcome, event.note) == (
        firm.id,
        Outcome.SUCCESS,
        f"场景#{scenario.id}",
    )
    assert "13805310001" not in str([getattr(event, c.name) for c in AuditEvent.__table__.c])


def test_a_refused_reveal_is_recorded_as_a_failure(fresh_app, publisher: User, firm: User) -> None:
    scenario_id = make_scenario(publisher.organization).id
    other = make_scenario(make_org(Role.PUBLISHER)).id
    firm_id = firm.id
    limited = fresh_app(WTF_CSRF_ENABLED=False, CONTACT_REVEAL_DAILY_LIMIT=1)
    client = limited.test_client()
    login(client, firm)
    client.post(f"/scenarios/{scenario_id}/contact")
    client.post(f"/scenarios/{other}/contact")  # over the limit of one
    with limited.app_context():
        events = recorded("contact_reveal")
        assert [e.outcome for e in events] == [Outcome.SUCCESS, Outcome.FAILURE]
        assert events[1].actor_id == firm_id
        assert "已达上限" in events[1].note
        db.session.remove()


@pytest.mark.parametrize(
    ("url", "action"),
    [
        ("/review/engine/rebuild", "engine_rebuild"),
        ("/review/engine/train", "reranker_train"),
        ("/review/engine/deactivate", "reranker_deactivate"),
    ],
)
def test_engine_changes_are_recorded(
    app: Flask, client: FlaskClient, sysadmin: User, url: str, action: str
) -> None:
    login(client, sysadmin)
    assert client.post(url).status_code == 302
    [event] = recorded(action)
    assert (event.actor_id, event.subject_type, event.actor_role) == (
        sysadmin.id,
        "engine",
        "sysadmin",
    )


def test_vocabulary_changes_and_job_retries_were_already_recorded(
    client: FlaskClient, sysadmin: User
) -> None:
    login(client, sysadmin)
    client.post("/review/engine/vocabulary", data={"kind": "word", "text": "城市大脑"})
    assert [e.note for e in recorded("add")] == ["城市大脑"]
