"""Duplicate submissions (a double click, two tabs, two simultaneous requests) create one
record; the second gets a message, never a 500."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app import submissions
from app.batches import services as batch_services
from app.cases import services as case_services
from app.engagements import services as engagement_services
from app.engine_builds import vocabulary
from app.errors import DomainError
from app.extensions import db
from app.models import (
    Batch,
    BatchKind,
    Engagement,
    ExcellentCase,
    FormSubmission,
    Organization,
    Role,
    SavedSearch,
    Scenario,
    User,
    VocabularyEntry,
)
from app.models.base import utcnow
from app.saved_searches import services as saved_search_services
from app.security import access
from tests.conftest import login
from tests.factories import landed, make_org, make_scenario
from tests.integration.test_cases import CASE
from tests.integration.test_listings import scenario_form

PROPOSAL = "我们的系统已在三个区县落地，可在两个月内上线。"


def _engagements() -> int:
    return db.session.scalar(sa.select(sa.func.count(Engagement.id))) or 0


def _post_together(app: Flask, user_id: int, path: str, data: dict, times: int = 2) -> list:
    """POST the same form from `times` clients at the same moment; the responses."""
    clients = []
    for _ in range(times):
        # a plain client: each request pushes its own app context, in its own thread
        client = FlaskClient(app, app.response_class)
        login(client, db.session.get(User, user_id))  # a real session record for each
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


@pytest.mark.commits  # two threads post at once
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
        for _ in range(2):  # the same name twice: the unique constraint refuses the second
            db.session.add(
                Organization(
                    name="重复单位", role=Role.PUBLISHER, kind="政府部门", district="历下区"
                )
            )
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


# --- one-time form tokens -------------------------------------------------------------------


def _token(page_text: str) -> str:
    match = re.search(r'name="submission" type="hidden" value="([0-9a-f]{32})"', page_text)
    assert match, "the form carries no submission token"
    return match.group(1)


def _scenarios() -> int:
    return db.session.scalar(sa.select(sa.func.count(Scenario.id))) or 0


def test_a_double_clicked_new_draft_creates_one_and_sends_the_repeat_to_it(
    client: FlaskClient, publisher: User
) -> None:
    login(client, publisher)
    form = scenario_form(submission=_token(client.get("/my/scenarios/new").text))
    first = client.post("/my/scenarios/new", data=form)
    second = client.post("/my/scenarios/new", data=form)
    assert _scenarios() == 1
    assert second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert "该表单已提交，请勿重复提交。" in client.get(second.headers["Location"]).text


@pytest.mark.commits  # two threads post at once
def test_two_simultaneous_posts_of_one_form_create_one_draft(app: Flask, publisher: User) -> None:
    publisher_id = publisher.id
    client = login(app.test_client(), publisher)
    form = scenario_form(submission=_token(client.get("/my/scenarios/new").text))
    responses = _post_together(app, publisher_id, "/my/scenarios/new", form)
    assert [r.status_code for r in responses] == [302, 302]
    assert _scenarios() == 1
    scenario_id = db.session.scalar(sa.select(Scenario.id))
    assert {r.headers["Location"] for r in responses} == {f"/scenarios/{scenario_id}"}


def test_a_refused_submission_leaves_its_token_for_the_corrected_form(
    client: FlaskClient, publisher: User
) -> None:
    login(client, publisher)
    token = _token(client.get("/my/scenarios/new").text)
    refused = client.post("/my/scenarios/new", data=scenario_form(title="短", submission=token))
    assert refused.status_code == 200
    assert _token(refused.text) == token  # the re-shown form keeps it
    assert client.post("/my/scenarios/new", data=scenario_form(submission=token)).status_code == 302
    assert _scenarios() == 1


def test_a_post_without_a_token_is_handled_as_before(client: FlaskClient, publisher: User) -> None:
    """Older pages and scripts send no token: nothing is checked (each POST is a new draft)."""
    login(client, publisher)
    client.post("/my/scenarios/new", data=scenario_form())
    client.post("/my/scenarios/new", data=scenario_form(title="城市桥梁安全运行监测二期"))
    assert _scenarios() == 2


def test_a_double_clicked_new_batch_creates_one(client: FlaskClient, admin: User) -> None:
    login(client, admin)
    token = _token(client.get("/batches/manage").text)
    first = client.post("/batches/new", data={"kind": "scenario", "submission": token})
    second = client.post("/batches/new", data={"kind": "scenario", "submission": token})
    assert db.session.scalar(sa.select(sa.func.count(Batch.id))) == 1
    assert second.headers["Location"] == first.headers["Location"]


def test_a_double_clicked_application_creates_one_engagement(
    client: FlaskClient, publisher: User, firm: User
) -> None:
    scenario = make_scenario(publisher.organization)
    login(client, firm)
    token = _token(client.get(f"/scenarios/{scenario.id}/apply").text)
    data = {"proposal": PROPOSAL, "submission": token}
    first = client.post(f"/scenarios/{scenario.id}/apply", data=data)
    second = client.post(f"/scenarios/{scenario.id}/apply", data=data)
    assert _engagements() == 1
    assert second.headers["Location"] == first.headers["Location"]


def test_tokens_older_than_two_days_are_swept(firm: User) -> None:
    old = FormSubmission(token="a" * 32, user_id=firm.id, created_at=utcnow() - timedelta(days=3))
    db.session.add_all([old, FormSubmission(token="b" * 32, user_id=firm.id)])
    db.session.commit()
    assert submissions.sweep() == 1
    assert db.session.scalars(sa.select(FormSubmission.token)).all() == ["b" * 32]


# --- natural keys met by a racing request ---------------------------------------------------


def test_a_case_started_twice_at_the_same_moment_is_a_message(
    admin: User, publisher: User, firm: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    engagement = landed(publisher, firm)
    case_services.save_draft(admin, engagement, case_services.CaseInput(**CASE))
    db.session.commit()
    # the second administrator read "no case yet" before the first committed
    monkeypatch.setattr(case_services, "for_engagement", lambda _id: None)
    with pytest.raises(DomainError, match="该对接的案例刚刚已由其他管理员创建"):
        case_services.save_draft(admin, engagement, case_services.CaseInput(**CASE))
    assert db.session.scalar(sa.select(sa.func.count(ExcellentCase.id))) == 1


def test_a_vocabulary_entry_added_twice_at_the_same_moment_is_a_message(
    client: FlaskClient, sysadmin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(client, sysadmin)
    client.post("/review/engine/vocabulary", data={"kind": "word", "text": "桥梁健康监测"})
    monkeypatch.setattr(vocabulary, "exists", lambda *_: False)
    page = client.post(
        "/review/engine/vocabulary",
        data={"kind": "word", "text": "桥梁健康监测"},
        follow_redirects=True,
    )
    assert page.status_code == 200
    assert "该条目已存在" in page.text
    assert db.session.scalar(sa.select(sa.func.count(VocabularyEntry.id))) == 1


def test_a_batch_number_taken_at_the_same_moment_is_a_message(
    admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch_services.create(admin, BatchKind.SCENARIO)
    db.session.commit()
    monkeypatch.setattr(batch_services, "next_number", lambda _kind: 1)
    with pytest.raises(DomainError, match="第1批场景机会清单刚刚已被其他管理员创建"):
        batch_services.create(admin, BatchKind.SCENARIO)
