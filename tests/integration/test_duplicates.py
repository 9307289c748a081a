"""Duplicate submissions (a double click, two tabs, two simultaneous requests) create one
record; the second gets a message, never a 500."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.engagements import services as engagement_services
from app.extensions import db
from app.models import Engagement, Organization, Role, SavedSearch, User
from app.saved_searches import services as saved_search_services
from app.security import access
from tests.conftest import login, make_org, make_scenario

PROPOSAL = "我们的系统已在三个区县落地，可在两个月内上线。"


def _engagements() -> int:
    return db.session.scalar(sa.select(sa.func.count(Engagement.id))) or 0


def _post_together(app: Flask, user_id: int, path: str, data: dict, times: int = 2) -> list:
    """POST the same form from `times` clients at the same moment; the responses."""
    clients = []
    for _ in range(times):
        # a plain client: each request pushes its own app context, in its own thread
        client = FlaskClient(app, app.response_class)
        with client.session_transaction() as session:
            session["_user_id"] = str(user_id)
            session["_fresh"] = True
        clients.append(client)
    start = threading.Barrier(times)
    responses: list = [None] * times

    def post(n: int) -> None:
        start.wait()
        responses[n] = clients[n].post(path, data=data)

    threads = [threading.Thread(target=post, args=(n,)) for n in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


def test_two_simultaneous_applications_create_one_engagement(
    app: Flask, publisher: User, firm: User
) -> None:
    scenario_id, firm_id = make_scenario(publisher.organization).id, firm.id
    responses = _post_together(
        app, firm_id, f"/scenarios/{scenario_id}/apply", {"proposal": PROPOSAL}
    )
    assert sorted(r.status_code for r in responses) in ([200, 302], [302, 302])
    assert _engagements() == 1
    engagement_id = db.session.scalar(sa.select(Engagement.id))
    locations = {r.headers.get("Location") for r in responses if r.status_code == 302}
    assert locations == {f"/engagements/{engagement_id}"}
    for response in responses:
        if response.status_code == 200:  # it passed the check before the first committed
            assert "贵单位已申请过该场景" in response.text


def test_an_application_that_raced_past_the_check_gets_the_message(
    client: FlaskClient, publisher: User, firm: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = make_scenario(publisher.organization)
    login(client, firm)
    client.post(f"/scenarios/{scenario.id}/apply", data={"proposal": PROPOSAL})
    # the second request read "not applied yet" before the first committed
    monkeypatch.setattr(engagement_services, "existing", lambda *_: None)
    second = client.post(f"/scenarios/{scenario.id}/apply", data={"proposal": PROPOSAL})
    assert second.status_code == 200
    assert "贵单位已申请过该场景，请在“我的对接”中查看进展。" in second.text
    assert _engagements() == 1


def test_a_saved_search_that_raced_past_the_check_gets_the_message(
    client: FlaskClient, firm: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(client, firm)
    client.post("/my/searches/", data={"side": "scenario", "query": "q=巡检"})
    # the second request read "not saved yet" before the first committed
    monkeypatch.setattr(saved_search_services, "same_search", lambda *_: None)
    response = client.post("/my/searches/", data={"side": "scenario", "query": "q=巡检"})
    assert response.headers["Location"] == "/my/searches/"
    assert "已保存过相同的搜索" in client.get("/my/searches/").text
    assert db.session.scalar(sa.select(sa.func.count(SavedSearch.id))) == 1


def test_an_integrity_error_no_service_handled_is_a_409_not_a_500(
    fresh_app, admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    probe = fresh_app(WTF_CSRF_ENABLED=False, PROPAGATE_EXCEPTIONS=False)
    monkeypatch.setitem(access.ENDPOINT_ACCESS, "duplicate_probe", access.PUBLIC)

    @probe.route("/duplicate-probe", methods=["POST"])
    def duplicate_probe() -> str:
        db.session.add(Organization(name="重复单位", role=Role.PUBLISHER, kind="政府部门"))
        db.session.add(Organization(name="重复单位", role=Role.PUBLISHER, kind="政府部门"))
        db.session.commit()
        return "saved"

    admin_id = admin.id
    with probe.app_context():
        make_org(Role.PUBLISHER, name="另一个单位")  # the session still works after the 409
    client = probe.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(admin_id)
    page = client.post("/duplicate-probe")
    assert page.status_code == 409
    assert "该内容已存在（可能是重复提交" in page.text
    as_json = client.post("/duplicate-probe", headers={"Accept": "application/json"})
    assert as_json.status_code == 409
    assert as_json.get_json()["error"].startswith("该内容已存在")
    assert client.get("/").status_code == 200
    with probe.app_context():
        names = db.session.scalars(sa.select(Organization.name)).all()
        assert "重复单位" not in names
        db.session.remove()
