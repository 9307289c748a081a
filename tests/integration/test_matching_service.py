"""The matching process: its WSGI app, the web tier's HTTP client against it on a real socket,
pages when it is down, freshness, and an engine change switched in while it answers."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from app.config import TestConfig
from app.extensions import db
from app.matching import Engine
from app.matching_service import create_matching_app
from app.models import (
    Capability,
    JobRun,
    JobStatus,
    ListingStatus,
    Recommendation,
    RecommendationImpression,
    RecommendationStatus,
    Role,
    Scenario,
    User,
)
from app.models.base import utcnow
from app.recommendations import provider
from app.recommendations import services as recommendations
from app.recommendations.client import HttpMatching, MatchingUnavailable, listing_to_json
from app.recommendations.documents import document
from app.review import services as review
from tests.conftest import dispose, login
from tests.factories import make_capability, make_org, make_scenario, make_user

# the matching service is a second app, with an engine of its own
pytestmark = pytest.mark.commits


@dataclass
class Service:
    """A matching process served on a real socket in this process."""

    app: Flask
    url: str

    def get(self, path: str) -> httpx.Response:
        return httpx.get(self.url + path, timeout=10)

    def post(self, path: str, body: dict) -> httpx.Response:
        return httpx.post(self.url + path, json=body, timeout=10)

    def wait_ready(self, timeout: float = 30) -> dict:
        """/readyz once it answers 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            response = self.get("/readyz")
            if response.status_code == 200:
                return response.json()
            time.sleep(0.05)
        raise AssertionError("the matching service never became ready")


def matching_app(app: Flask, **overrides: object) -> Flask:
    """The matching process's app on the suite's database."""
    return create_matching_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], **overrides
    )


@pytest.fixture
def serve(app: Flask) -> Iterator[Callable[[], Service]]:
    """Start a matching process following the feed every 50 ms, on a free port (call it once
    the test's listings exist: the helpers insert them without feed rows)."""
    started: list[tuple[Flask, object, threading.Thread]] = []

    def start() -> Service:
        application = matching_app(app, MATCHING_POLL_SECONDS=0.05)
        server = make_server("127.0.0.1", 0, application, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name="matching-test", daemon=True)
        thread.start()
        started.append((application, server, thread))
        return Service(application, f"http://127.0.0.1:{server.server_port}")

    yield start
    for application, server, thread in started:
        server.shutdown()  # type: ignore[attr-defined]
        thread.join(timeout=10)
        server.server_close()  # type: ignore[attr-defined]
        application.extensions["matching_follower"].stop()  # and any artifact load
        dispose(application)


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def market() -> tuple[User, int, list[int]]:
    """A publisher's scenario and three firms' capabilities (two local); (owner, id, ids)."""
    owner = make_user(make_org(Role.PUBLISHER))
    scenario = make_scenario(owner.organization)
    local, remote = make_org(Role.FIRM), make_org(Role.FIRM, is_local=False, district="")
    ids = [
        make_capability(local).id,
        make_capability(remote, title="道路巡检无人机", description="无人机航拍识别道路裂缝。").id,
        make_capability(local, title="财务共享平台", description="报销核算一体化。").id,
    ]
    return owner, scenario.id, ids


# ---------------------------------------------------------------------- the WSGI app
def test_the_matching_app_answers_through_its_test_client(app: Flask) -> None:
    owner, scenario_id, (best, drone, _finance) = market()
    service = matching_app(app, follow=False)
    try:
        client = service.test_client()
        assert client.get("/healthz").json == {"status": "ok"}
        waiting = client.get("/readyz")
        assert waiting.status_code == 503  # nothing loaded yet
        assert waiting.json["ready"] is False
        asked = {"side": "scenario", "id": scenario_id}
        assert client.post("/v1/recommend", json=asked).status_code == 503
        service.extensions["matcher"].follow()  # what its follower thread does
        ready = client.get("/readyz")
        assert ready.status_code == 200
        status = ready.json
        assert status["ready"] is True
        assert status["listings"] == {"scenario": 1, "capability": 3}
        assert status["feed_lag_seconds"] is not None
        version = status["engine_version"]

        stored = client.post(
            "/v1/recommend", json={"side": "scenario", "id": scenario_id, "top": 5}
        )
        assert stored.status_code == 200
        assert stored.json["engine_version"] == version
        ids = [m["id"] for m in stored.json["matches"]]
        assert ids[0] == str(best)
        assert str(drone) in ids
        assert stored.json["matches"][0]["explanation"]["terms"]

        sent = client.post(
            "/v1/recommend",
            json={
                "side": "scenario",
                "id": scenario_id,
                "listing": listing_to_json(document(db.session.get(Scenario, scenario_id))),
                "top": 5,
            },
        )
        assert [m["id"] for m in sent.json["matches"]] == [m["id"] for m in stored.json["matches"]]

        local = client.post(
            "/v1/recommend",
            json={"side": "scenario", "id": scenario_id, "top": 5, "filters": {"local_only": True}},
        )
        assert str(drone) not in [m["id"] for m in local.json["matches"]]

        for body, code in [
            ({"side": "town", "id": scenario_id}, 400),
            ({"side": "scenario", "id": scenario_id, "top": 0}, 400),
            ({"side": "scenario", "id": scenario_id, "filters": {"domains": "x"}}, 400),
            ({"side": "scenario", "id": 999999}, 404),
        ]:
            assert client.post("/v1/recommend", json=body).status_code == code, body
        assert client.post("/v1/recommend", data="nonsense").status_code == 400
    finally:
        dispose(service)


def test_the_score_endpoint_ranks_given_candidates_as_the_engine_does(app: Flask) -> None:
    _owner, scenario_id, ids = market()
    service = matching_app(app, follow=False)
    try:
        service.extensions["matcher"].follow()
        scenario = db.session.get(Scenario, scenario_id)
        candidates = [document(db.session.get(Capability, i)) for i in ids]
        answer = service.test_client().post(
            "/v1/score",
            json={
                "listing": listing_to_json(document(scenario)),
                "candidates": [listing_to_json(c) for c in candidates],
            },
        )
        assert answer.status_code == 200
        [expected] = Engine().rank([document(scenario)], candidates, top=len(candidates))
        got = [(m["id"], m["score"]) for m in answer.json["matches"]]
        assert got == [(m.id, m.score) for m in expected]
    finally:
        dispose(service)


# ---------------------------------------------------------------------- over HTTP
def test_pages_get_recommendations_from_the_matching_process(
    app: Flask, fresh_app: Callable[..., Flask], serve: Callable[[], Service], sysadmin: User
) -> None:
    owner, scenario_id, (best, _drone, _finance) = market()
    service = serve()
    status = service.wait_ready()
    web = fresh_app(MATCHING_URL=service.url)
    client = login(web.test_client(), owner)
    page = client.get(f"/scenarios/{scenario_id}").get_data(as_text=True)
    assert 'data-testid="suggestion"' in page
    assert "道路病害智能识别系统" in page
    impression = db.session.scalar(sa.select(RecommendationImpression))
    assert impression.engine_version == status["engine_version"]
    assert impression.candidates[0]["id"] == best

    engine_page = login(web.test_client(), sysadmin).get("/review/engine").get_data(as_text=True)
    assert status["engine_version"] in engine_page
    assert '<strong data-testid="indexed-capabilities">3</strong>' in engine_page


def test_the_http_client_keeps_one_pool_per_process() -> None:
    client = HttpMatching(f"http://127.0.0.1:{closed_port()}", timeout=2.0)
    first = client._http()
    assert client._http() is first
    client._pid = -1  # as seen from a forked worker
    assert client._http() is not first
    client.close()
    first.close()


def test_a_page_whose_matching_process_is_down_still_answers_with_a_notice(
    app: Flask, fresh_app: Callable[..., Flask], admin: User, sysadmin: User
) -> None:
    owner, scenario_id, (best, _drone, _finance) = market()
    db.session.add(
        Recommendation(
            scenario_id=scenario_id,
            capability_id=best,
            score=0.5,
            status=RecommendationStatus.APPROVED,
            reviewer_id=admin.id,
            reviewed_at=utcnow(),
        )
    )
    db.session.commit()
    web = fresh_app(MATCHING_URL=f"http://127.0.0.1:{closed_port()}")
    client = login(web.test_client(), owner)
    response = client.get(f"/scenarios/{scenario_id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "智能推荐服务暂时不可用，请稍后刷新" in page
    assert "平台推荐" in page  # the approved pair comes from the database
    assert "城市道路病害智能巡检" in page  # and the rest of the page is there
    assert db.session.scalar(sa.select(sa.func.count(RecommendationImpression.id))) == 0

    applicants = client.get(f"/my/scenarios/{scenario_id}/applicants")
    assert applicants.status_code == 200
    admin_page = login(web.test_client(), sysadmin).get("/review/engine")
    assert admin_page.status_code == 200
    assert "智能推荐服务暂时不可用" in admin_page.get_data(as_text=True)

    with web.app_context():
        scenario = db.session.get(Scenario, scenario_id)
        with pytest.raises(MatchingUnavailable):  # callers that are not pages are told to retry
            recommendations.queue_for(scenario, min_score=0.0, top=5)


def test_a_matching_process_that_does_not_answer_in_time_is_unavailable(app: Flask) -> None:
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        client = HttpMatching(f"http://127.0.0.1:{silent.getsockname()[1]}", timeout=0.2)
        started = time.monotonic()
        with pytest.raises(MatchingUnavailable):
            client.status()
        assert time.monotonic() - started < 2
        client.close()


def test_an_approval_publishes_even_when_matching_is_down(
    app: Flask, fresh_app: Callable[..., Flask], admin: User
) -> None:
    pending = make_capability(make_org(Role.FIRM), ListingStatus.PENDING)
    web = fresh_app(MATCHING_URL=f"http://127.0.0.1:{closed_port()}")
    # ids read here: this test's objects must not load through another app's connections
    capability_id, admin_id = pending.id, admin.id
    with web.app_context():
        listing = db.session.get(Capability, capability_id)
        review.decide_listing(db.session.get(User, admin_id), listing, True, "")
        db.session.commit()  # the publication job's first attempt runs now, and cannot match
    db.session.expire_all()
    assert db.session.get(Capability, pending.id).status is ListingStatus.PUBLISHED
    job = db.session.scalar(sa.select(JobRun).where(JobRun.name == "listings.published"))
    assert job.status is JobStatus.QUEUED  # retried after its backoff, when matching is back
    assert job.not_before is not None
    assert "MatchingUnavailable" in job.error


# ---------------------------------------------------------------------- freshness
def recommended(service: Service, scenario_id: int, **body: object) -> tuple[str, list[str]]:
    answer = service.post(
        "/v1/recommend", {"side": "scenario", "id": scenario_id, "top": 10, **body}
    )
    assert answer.status_code == 200, answer.text
    data = answer.json()
    return data["engine_version"], [m["id"] for m in data["matches"]]


def test_a_published_listing_is_recommended_by_the_running_service_within_seconds(
    app: Flask, fresh_app: Callable[..., Flask], serve: Callable[[], Service], admin: User
) -> None:
    _owner, scenario_id, _ids = market()
    service = serve()
    service.wait_ready()
    pending = make_capability(make_org(Role.FIRM), ListingStatus.PENDING, title="新发布的巡检系统")
    web = fresh_app(MATCHING_URL=service.url)
    capability_id, admin_id = pending.id, admin.id  # read through this test's own connection
    with web.app_context():  # an administrator publishes it through a web worker
        listing = db.session.get(Capability, capability_id)
        review.decide_listing(db.session.get(User, admin_id), listing, True, "")
        db.session.commit()
    published = time.monotonic()
    while str(capability_id) not in recommended(service, scenario_id)[1]:
        assert time.monotonic() - published < 10, "not reflected within 10 s"
        time.sleep(0.05)

    with web.app_context():  # withdrawn
        listing = db.session.get(Capability, capability_id)
        listing.status = ListingStatus.CLOSED
        provider.record_change(listing, op="remove")
        db.session.commit()
    withdrawn = time.monotonic()
    while str(capability_id) in recommended(service, scenario_id)[1]:
        assert time.monotonic() - withdrawn < 10, "withdrawal not reflected within 10 s"
        time.sleep(0.05)


# ---------------------------------------------------------------------- engine change
def test_an_engine_change_switches_the_service_while_it_answers_throughout(
    app: Flask, fresh_app: Callable[..., Flask], serve: Callable[[], Service], sysadmin: User
) -> None:
    scenario = make_scenario(
        make_org(Role.PUBLISHER),
        title="认知障碍老人外出找不到家",
        description="社区里有认知障碍的老人，外出后常常走失，家属和社区找起来很难。",
        needs="",
        tags=["物联网"],
    )
    firm = make_org(Role.FIRM)
    for title, text, keywords in [
        ("北斗定位手环", "为老人佩戴的北斗定位手环，电子围栏越界即告警。", "定位手环、电子围栏"),
        ("社区养老服务平台", "社区老人档案、上门服务派单、家属探视预约。", "养老"),
        ("智慧停车诱导", "泊位状态采集，错时共享，停车诱导屏。", "停车"),
    ]:
        make_capability(firm, title=title, description=text, keywords=keywords, tags=["物联网"])
    scenario_id = scenario.id
    service = serve()
    before = service.wait_ready()["engine_version"]
    answers: list[tuple[int, str, tuple]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def ask() -> None:  # a web worker asking all the while
        try:
            with httpx.Client(base_url=service.url, timeout=10) as client:
                while not stop.is_set():
                    response = client.post(
                        "/v1/recommend", json={"side": "scenario", "id": scenario_id, "top": 10}
                    )
                    data = response.json() if response.status_code == 200 else {}
                    ranking = tuple((m["id"], m["score"]) for m in data.get("matches", []))
                    answers.append((response.status_code, data.get("engine_version", ""), ranking))
        except BaseException as error:  # reported by the test, not lost with the thread
            errors.append(error)

    asker = threading.Thread(target=ask, daemon=True)
    asker.start()
    try:
        deadline = time.monotonic() + 30
        while len(answers) < 5 and not errors:
            assert time.monotonic() < deadline, "no answers"
            time.sleep(0.01)
        web = fresh_app(MATCHING_URL=service.url, WTF_CSRF_ENABLED=False)
        client: FlaskClient = login(web.test_client(), sysadmin)
        response = client.post(  # the web worker hands the build to the matching process
            "/review/engine/vocabulary",
            data={"kind": "synonyms", "text": "防走失 ~ 走失 ~ 定位手环"},
        )
        assert response.status_code == 302
        deadline = time.monotonic() + 60
        while not errors and answers[-1][1] == before:
            assert time.monotonic() < deadline, "the service never switched"
            time.sleep(0.05)
        time.sleep(0.2)
    finally:
        stop.set()
        asker.join(timeout=10)
    assert errors == []
    assert {status for status, _, _ in answers} == {200}  # it answered throughout
    versions = [version for _, version, _ in answers]
    switch = versions.index(versions[-1])
    assert set(versions[:switch]) == {before}  # old, then new: never back
    assert set(versions[switch:]) == {versions[-1]} != {before}
    old = {ranking for _, version, ranking in answers if version == before}
    new = {ranking for _, version, ranking in answers if version != before}
    assert len(old) == len(new) == 1  # every answer is one whole state or the other
    assert old != new  # and the synonym group changed the ranking
    status = service.get("/readyz").json()
    assert status["engine_version"] == versions[-1]
    assert status["artifact_id"] is not None  # the artifact built once, by the service
