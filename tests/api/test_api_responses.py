"""Every endpoint: published data only, problem documents for bad input, caching and gzip."""

from __future__ import annotations

import gzip

import pytest
import sqlalchemy as sa

from app.models import AuditEvent, Role
from app.open_data.identifiers import public_id
from tests.api import world
from tests.factories import make_org, make_scenario

LISTS = (
    "/api/v1/scenarios",
    "/api/v1/capabilities",
    "/api/v1/batches",
    "/api/v1/cases",
    "/api/v1/organizations",
)


@pytest.fixture
def seeded(admin) -> world.World:
    return world.build(admin)


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    return body


def test_drafts_withdrawn_and_unpublished_never_appear(client, seeded) -> None:
    urls = [*LISTS, "/api/v1/dashboard", f"/api/v1/batches/scenario/{seeded.batch_number}"]
    urls += [f"/api/v1/scenarios/{public_id('scenario', s.id)}" for s in seeded.scenarios]
    urls += [f"/api/v1/capabilities/{public_id('capability', i)}" for i in seeded.capability_ids]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert world.HIDDEN_TITLE not in response.get_data(as_text=True), url
    for s in seeded.hidden_scenarios:
        _problem(client.get(f"/api/v1/scenarios/{public_id('scenario', s.id)}"), 404)
    for i in seeded.hidden_capability_ids:
        _problem(client.get(f"/api/v1/capabilities/{public_id('capability', i)}"), 404)
    _problem(client.get(f"/api/v1/cases/{seeded.draft_case_id}"), 404)
    _problem(client.get(f"/api/v1/organizations/{seeded.pending_org_id}"), 404)


def test_every_list_answers_its_published_rows(client, seeded) -> None:
    counts = {url: len(client.get(url).get_json()["items"]) for url in LISTS}
    assert counts == {
        "/api/v1/scenarios": 5,  # with the two the cases' engagements were made on
        "/api/v1/capabilities": 3,
        "/api/v1/batches": 1,
        "/api/v1/cases": 1,
        "/api/v1/organizations": 2,  # the publisher and the firm (the pending one is not)
    }
    batch = client.get(f"/api/v1/batches/scenario/{seeded.batch_number}").get_json()
    assert [i["id"] for i in batch["items"]] == [
        public_id("scenario", s.id) for s in seeded.scenarios
    ]
    case = client.get(f"/api/v1/cases/{seeded.case_id}").get_json()
    assert case["title"] == "道路病害智能巡检落地"


def test_masking_equals_the_public_pages(client, seeded) -> None:
    scenario = seeded.scenarios[0]
    body = client.get(f"/api/v1/scenarios/{public_id('scenario', scenario.id)}").get_json()
    page = client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
    for shown in body["contact"].values():
        assert shown in page
    assert scenario.contact_phone not in str(body)
    assert "li@example.com" not in str(body)
    org_id = scenario.organization_id
    org = client.get(f"/api/v1/organizations/{org_id}").get_json()
    org_page = client.get(f"/orgs/{org_id}").get_data(as_text=True)
    assert org["contact"]["phone"] == "05318****0000"
    assert org["contact"]["phone"] in org_page
    assert "053188880000" not in str(org)


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("/api/v1/scenarios?colour=red", "colour"),
        ("/api/v1/scenarios?limit=101", "limit"),
        ("/api/v1/scenarios?limit=0", "limit"),
        ("/api/v1/scenarios?limit=99999999999999999999", "limit"),
        ("/api/v1/scenarios?limit=ten", "limit"),
        ("/api/v1/scenarios?deadline=tomorrow", "deadline"),
        ("/api/v1/scenarios?budget_min=-1", "budget_min"),
        ("/api/v1/scenarios?budget_max=NaN", "budget_max"),
        ("/api/v1/scenarios?q=" + "长" * 51, "q"),
        ("/api/v1/capabilities?opening_method=揭榜挂帅", "opening_method"),  # scenarios only
        ("/api/v1/batches?kind=all", "kind"),
        ("/api/v1/dashboard?x=1", "x"),
        ("/api/v1/cases/1?page=2", "page"),
    ],
)
def test_bad_arguments_are_400_problems_naming_the_argument(client, url, fragment) -> None:
    body = _problem(client.get(url), 400)
    assert fragment in body["errors"]


@pytest.mark.parametrize(
    "cursor",
    ["abc", "", "x" * 600, "WyJ4IiwgWzEsMl1d.forged", "eyJ0eXAiOiJKV1QifQ"],
)
def test_malformed_cursors_are_400_problems(client, seeded, cursor) -> None:
    if cursor == "":
        assert client.get("/api/v1/scenarios?cursor=").status_code == 200  # no cursor: page 1
        return
    body = _problem(client.get(f"/api/v1/scenarios?cursor={cursor}"), 400)
    assert "cursor" in body["detail"] or "cursor" in body.get("errors", {})


def test_a_cursor_is_bound_to_its_list_and_filters(client, seeded) -> None:
    first = client.get("/api/v1/scenarios?limit=1").get_json()
    cursor = first["next_cursor"]
    assert client.get(f"/api/v1/scenarios?limit=1&cursor={cursor}").status_code == 200
    _problem(client.get(f"/api/v1/scenarios?limit=1&domain=智慧医疗&cursor={cursor}"), 400)
    _problem(client.get(f"/api/v1/capabilities?limit=1&cursor={cursor}"), 400)
    _problem(client.get(f"/api/v1/organizations?limit=1&cursor={cursor}"), 400)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/scenarios/42",
        "/api/v1/scenarios/jnsc-C-1",
        "/api/v1/scenarios/jnsc-S-999999999999999999",
        "/api/v1/capabilities/jnsc-S-1",
        "/api/v1/cases/99999999999",
        "/api/v1/organizations/0",
        "/api/v1/batches/scenario/0",
        "/api/v1/batches/other/1",
        "/api/v1/no-such-thing",
    ],
)
def test_unknown_resources_are_404_problems(client, url) -> None:
    _problem(client.get(url), 404)


def test_writes_are_405_problems(client) -> None:
    response = client.post("/api/v1/scenarios", json={})
    _problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_if_none_match_answers_304(client, seeded) -> None:
    url = f"/api/v1/scenarios/{public_id('scenario', seeded.scenarios[0].id)}"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert first.headers["Last-Modified"]
    assert first.headers["Cache-Control"] == "public, max-age=30"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    listed = client.get("/api/v1/scenarios")
    assert (
        client.get(
            "/api/v1/scenarios", headers={"If-None-Match": listed.headers["ETag"]}
        ).status_code
        == 304
    )
    assert client.get("/api/v1/scenarios", headers={"If-None-Match": '"other"'}).status_code == 200
    since = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304


def test_gzip_when_the_client_accepts_it(client, seeded) -> None:
    plain = client.get("/api/v1/scenarios")
    assert "Content-Encoding" not in plain.headers
    zipped = client.get("/api/v1/scenarios", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.get_data()) == plain.get_data()
    revalidated = client.get(
        "/api/v1/scenarios",
        headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]},
    )
    assert revalidated.status_code == 304


def test_the_site_pages_are_not_compressed_or_changed(client) -> None:
    response = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in response.headers
    assert response.mimetype == "text/html"


def test_the_document_and_its_page(client) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    assert "/api/v1/scenarios" in spec["paths"]
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "http" not in html.replace("http-equiv", "")  # no CDN
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    with client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js") as bundle:
        assert bundle.status_code == 200


def test_the_page_cache_leaves_the_api_alone(fresh_app) -> None:
    application = fresh_app(PAGE_CACHE_SECONDS=60)
    client = application.test_client()
    with application.app_context():
        org = make_org(Role.PUBLISHER)
        before = client.get("/api/v1/scenarios")
        assert "X-Page-Cache" not in before.headers
        make_scenario(org, title="刚刚发布的场景")
        after = client.get("/api/v1/scenarios")
        assert [i["title"] for i in after.get_json()["items"]] == ["刚刚发布的场景"]  # not stale
        assert "X-Page-Cache" not in after.headers


def test_kept_answers_are_shared_briefly_and_still_checked(fresh_app) -> None:
    from app.api import tokens
    from app.extensions import db

    application = fresh_app(API_RESPONSE_CACHE_SECONDS=60)
    client = application.test_client()
    with application.app_context():
        org = make_org(Role.PUBLISHER)
        issued = tokens.issue(None, "缓存测试单位", "", days=1)
        db.session.commit()
        first = client.get("/api/v1/scenarios")
        make_scenario(org, title="缓存期内发布的场景")
        kept = client.get("/api/v1/scenarios")
        assert kept.get_data() == first.get_data()  # the kept answer (at most the setting old)
        assert kept.headers["ETag"] == first.headers["ETag"]
        fresh = client.get("/api/v1/scenarios?limit=5")  # another URL: its own answer
        assert [i["title"] for i in fresh.get_json()["items"]] == ["缓存期内发布的场景"]
        assert (
            client.get("/api/v1/scenarios", headers={"Authorization": "Bearer jnsc_x"}).status_code
            == 401
        )
        good = {"Authorization": f"Bearer {issued.secret}"}
        assert client.get("/api/v1/scenarios", headers=good).status_code == 200
        uses = db.session.scalar(
            sa.select(sa.func.count()).where(AuditEvent.action == "api_token_use")
        )
        assert uses == 1  # audited although served from the kept copy
