"""Deny by default: every endpoint is declared, and each role gets exactly what it should."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.models import Role
from app.models.org import STAFF_ROLES
from app.security.access import API, ENDPOINT_ACCESS, PUBLIC, SCRAPERS
from tests.conftest import login
from tests.factories import make_capability, make_org, make_scenario, make_user


def test_every_endpoint_is_declared_in_the_access_map(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - ENDPOINT_ACCESS.keys() == set(), "undeclared endpoints"
    assert ENDPOINT_ACCESS.keys() - endpoints == set(), "stale entries in the access map"


CONFIGURATION = {
    "review.engine",
    "review.engine_rebuild",
    "review.train_reranker",
    "review.deactivate_reranker",
    "review.vocabulary_add",
    "review.vocabulary_delete",
}


def test_review_routes_are_for_reviewers_and_engine_settings_for_system_administrators(
    app: Flask,
) -> None:
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("review."):
            duty = Role.SYSADMIN if rule.endpoint in CONFIGURATION else Role.REVIEWER
            assert ENDPOINT_ACCESS[rule.endpoint] == frozenset({duty}), rule.endpoint


def test_no_endpoint_is_shared_by_two_staff_duties() -> None:
    """三权分立: whatever one staff duty may open, no other staff duty may."""
    for endpoint, gate in ENDPOINT_ACCESS.items():
        if isinstance(gate, frozenset):
            assert len(gate & STAFF_ROLES) <= 1, endpoint


def test_an_undeclared_endpoint_is_refused(fresh_app: Callable[..., Flask]) -> None:
    fresh = fresh_app()
    fresh.add_url_rule("/__probe", "probe_undeclared", lambda: "secret")
    response = fresh.test_client().get("/__probe")
    assert response.status_code == 403
    assert b"secret" not in response.data


@pytest.fixture
def world() -> dict[str, Any]:
    """Two publishers and two firms, each with a draft and a published listing."""
    pub_org = make_org(Role.PUBLISHER)
    firm_org = make_org(Role.FIRM)
    users = {
        "anonymous": None,
        "publisher": make_user(pub_org),
        "firm": make_user(firm_org),
        "other_publisher": make_user(make_org(Role.PUBLISHER)),
        "other_firm": make_user(make_org(Role.FIRM)),
        "admin": make_user(None, Role.REVIEWER),
        "sysadmin": make_user(None, Role.SYSADMIN),
        "secadmin": make_user(None, Role.SECADMIN),
        "auditor": make_user(None, Role.AUDITOR),
    }
    from app.engagements import services as engagements
    from app.extensions import db
    from app.models import JobRun, ListingStatus, SavedSearch

    published_scenario = make_scenario(pub_org)
    engagement = engagements.apply(
        users["firm"], published_scenario, "我们有成熟的解决方案和案例。"
    )
    firm_search = SavedSearch(user_id=users["firm"].id, name="巡检", side="scenario", query="q=x")
    db.session.add(firm_search)
    firm_job = JobRun(name="notifications.digest", created_by_id=users["firm"].id)
    db.session.add(firm_job)  # recorded only: never handed to a queue
    db.session.commit()
    return {
        "firm_search": firm_search.id,
        "firm_job": firm_job.id,
        "users": users,
        "draft_scenario": make_scenario(pub_org, ListingStatus.DRAFT).id,
        "published_scenario": published_scenario.id,
        "engagement": engagement.id,
        "draft_capability": make_capability(firm_org, ListingStatus.DRAFT).id,
        "published_capability": make_capability(firm_org).id,
        "pub_org": pub_org.id,
        "firm_user": users["firm"].id,
    }


ROLES = [
    "anonymous",
    "publisher",
    "firm",
    "other_publisher",
    "other_firm",
    "admin",  # 平台审核员
    "sysadmin",
    "secadmin",
    "auditor",
]
LOGIN = "login"

# (method, url template, expected status per role, in ROLES order)
MATRIX = [
    ("GET", "/", [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/scenarios", [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/capabilities", [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/scenarios/{published_scenario}", [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/scenarios/{draft_scenario}", [404, 200, 404, 404, 404, 200, 404, 404, 404]),
    ("GET", "/capabilities/{published_capability}", [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/capabilities/{draft_capability}", [404, 404, 200, 404, 404, 200, 404, 404, 404]),
    ("GET", "/my/", [LOGIN, 200, 200, 200, 200, 403, 403, 403, 403]),
    ("GET", "/my/scenarios/new", [LOGIN, 200, 403, 200, 403, 403, 403, 403, 403]),
    ("POST", "/my/submit", [LOGIN, 302, 302, 302, 302, 403, 403, 403, 403]),
    ("GET", "/my/scenarios/{draft_scenario}/edit", [LOGIN, 200, 403, 404, 403, 403, 403, 403, 403]),
    (
        "POST",
        "/my/scenarios/{draft_scenario}/submit",
        [LOGIN, 302, 403, 404, 403, 403, 403, 403, 403],
    ),
    ("GET", "/my/capabilities/new", [LOGIN, 403, 200, 403, 200, 403, 403, 403, 403]),
    (
        "GET",
        "/my/capabilities/{draft_capability}/edit",
        [LOGIN, 403, 200, 403, 404, 403, 403, 403, 403],
    ),
    (
        "POST",
        "/my/capabilities/{draft_capability}/submit",
        [LOGIN, 403, 302, 403, 404, 403, 403, 403, 403],
    ),
    ("GET", "/review/", [LOGIN, 403, 403, 403, 403, 200, 403, 403, 403]),
    ("GET", "/review/organizations", [LOGIN, 403, 403, 403, 403, 200, 403, 403, 403]),
    (
        "POST",
        "/review/organizations/{pub_org}/decide",
        [LOGIN, 403, 403, 403, 403, 302, 403, 403, 403],
    ),
    ("GET", "/review/listings", [LOGIN, 403, 403, 403, 403, 200, 403, 403, 403]),
    (
        "POST",
        "/review/scenarios/{draft_scenario}/decide",
        [LOGIN, 403, 403, 403, 403, 302, 403, 403, 403],
    ),
    (
        "POST",
        "/review/capabilities/{draft_capability}/decide",
        [LOGIN, 403, 403, 403, 403, 302, 403, 403, 403],
    ),
    ("GET", "/review/matches", [LOGIN, 403, 403, 403, 403, 200, 403, 403, 403]),
    ("POST", "/review/matches/999999/decide", [LOGIN, 403, 403, 403, 403, 404, 403, 403, 403]),
    ("POST", "/review/matches/bulk", [LOGIN, 403, 403, 403, 403, 302, 403, 403, 403]),
    # listing lifecycle, versions and the review queue
    (
        "GET",
        "/my/scenarios/{published_scenario}/edit",
        [LOGIN, 200, 403, 404, 403, 403, 403, 403, 403],
    ),
    (
        "GET",
        "/my/scenarios/{published_scenario}/versions",
        [LOGIN, 200, 404, 404, 404, 200, 404, 404, 404],
    ),
    (
        "GET",
        "/my/capabilities/{draft_capability}/versions",
        [LOGIN, 404, 200, 404, 404, 200, 404, 404, 404],
    ),
    (
        "POST",
        "/my/scenarios/{published_scenario}/withdraw",
        [LOGIN, 302, 404, 404, 404, 403, 403, 403, 403],
    ),
    (
        "POST",
        "/my/capabilities/{published_capability}/close",
        [LOGIN, 404, 302, 404, 404, 403, 403, 403, 403],
    ),
    (
        "POST",
        "/review/scenarios/{published_scenario}/close",
        [LOGIN, 403, 403, 403, 403, 302, 403, 403, 403],
    ),
    ("POST", "/review/listings/bulk", [LOGIN, 403, 403, 403, 403, 302, 403, 403, 403]),
    (
        "GET",
        "/review/listings?kind=capability&change=new",
        [LOGIN, 403, 403, 403, 403, 200, 403, 403, 403],
    ),
    ("POST", "/auth/logout", [LOGIN, 302, 302, 302, 302, 302, 302, 302, 302]),
    # engagements, excellent cases, notification settings
    # the firm has applied already (its page opens the engagement); the other firm has not
    (
        "GET",
        "/scenarios/{published_scenario}/apply",
        [LOGIN, 403, 302, 403, 200, 403, 403, 403, 403],
    ),
    ("POST", "/recommendations/999999/accept", [LOGIN, 404, 404, 404, 404, 403, 403, 403, 403]),
    ("GET", "/engagements/{engagement}", [LOGIN, 200, 200, 404, 404, 200, 404, 404, 404]),
    ("POST", "/engagements/{engagement}/stage", [LOGIN, 302, 302, 404, 404, 403, 403, 403, 403]),
    (
        "GET",
        "/engagements/{engagement}/attachment",
        [LOGIN, 404, 404, 404, 404, 404, 404, 404, 404],
    ),
    (
        "POST",
        "/engagements/{engagement}/shortlist",
        [LOGIN, 302, 403, 404, 403, 403, 403, 403, 403],
    ),
    (
        "GET",
        "/my/scenarios/{published_scenario}/applicants",
        [LOGIN, 200, 403, 404, 403, 403, 403, 403, 403],
    ),
    ("GET", "/my/engagements", [LOGIN, 200, 200, 200, 200, 403, 403, 403, 403]),
    ("GET", "/review/engagements", [LOGIN, 403, 403, 403, 403, 200, 403, 403, 403]),
    ("GET", "/cases", [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/cases/999999", [404, 404, 404, 404, 404, 404, 404, 404, 404]),
    (
        "GET",
        "/review/engagements/{engagement}/case",
        [LOGIN, 403, 403, 403, 403, 200, 403, 403, 403],
    ),
    ("POST", "/cases/999999/consent", [LOGIN, 404, 404, 404, 404, 403, 403, 403, 403]),
    ("POST", "/review/cases/999999/publish", [LOGIN, 403, 403, 403, 403, 404, 403, 403, 403]),
    ("GET", "/notifications/settings", [LOGIN, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/auth/login", [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    # organisation profiles, contact protection and attachments
    ("GET", "/orgs/{pub_org}", [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/orgs/999999", [404, 404, 404, 404, 404, 404, 404, 404, 404]),
    ("GET", "/my/profile", [LOGIN, 200, 200, 200, 200, 403, 403, 403, 403]),
    (
        "POST",
        "/scenarios/{published_scenario}/contact",
        [LOGIN, 302, 302, 302, 302, 302, 403, 403, 403],
    ),
    (
        "POST",
        "/scenarios/{draft_scenario}/contact",
        [LOGIN, 302, 404, 404, 404, 302, 403, 403, 403],
    ),
    (
        "POST",
        "/capabilities/{published_capability}/contact",
        [LOGIN, 302, 302, 302, 302, 302, 403, 403, 403],
    ),
    (
        "POST",
        "/capabilities/{draft_capability}/contact",
        [LOGIN, 404, 302, 404, 404, 302, 403, 403, 403],
    ),
    ("POST", "/orgs/{pub_org}/contact", [LOGIN, 302, 302, 302, 302, 302, 403, 403, 403]),
    ("GET", "/review/contacts", [LOGIN, 403, 403, 403, 403, 200, 403, 403, 403]),
    (
        "GET",
        "/my/scenarios/{draft_scenario}/attachments",
        [LOGIN, 200, 403, 404, 403, 403, 403, 403, 403],
    ),
    (
        "GET",
        "/my/capabilities/{draft_capability}/attachments",
        [LOGIN, 403, 200, 403, 404, 403, 403, 403, 403],
    ),
    ("POST", "/attachments/999999/delete", [LOGIN, 404, 404, 404, 404, 403, 403, 403, 403]),
    ("GET", "/attachments/999999", [LOGIN, 404, 404, 404, 404, 404, 404, 404, 404]),
    # Excel import/export and 第N批 batches
    ("GET", "/imports/", [LOGIN, 200, 200, 200, 200, 200, 403, 403, 403]),
    ("GET", "/imports/template/scenario.xlsx", [LOGIN, 200, 200, 200, 200, 200, 403, 403, 403]),
    ("GET", "/imports/" + "ab" * 16, [LOGIN, 404, 404, 404, 404, 404, 403, 403, 403]),
    ("POST", "/imports/" + "ab" * 16 + "/confirm", [LOGIN, 404, 404, 404, 404, 404, 403, 403, 403]),
    ("POST", "/imports/" + "ab" * 16 + "/cancel", [LOGIN, 404, 404, 404, 404, 404, 403, 403, 403]),
    ("GET", "/imports/runs/999999", [LOGIN, 404, 404, 404, 404, 404, 403, 403, 403]),
    ("GET", "/exports/scenarios.xlsx", [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/exports/capabilities.xlsx", [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/exports/review/scenarios.xlsx", [LOGIN, 403, 403, 403, 403, 200, 403, 403, 403]),
    ("GET", "/exports/review/capabilities.xlsx", [LOGIN, 403, 403, 403, 403, 200, 403, 403, 403]),
    ("GET", "/batches/", [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/batches/999999", [404, 404, 404, 404, 404, 404, 404, 404, 404]),
    ("GET", "/batches/999999.xlsx", [404, 404, 404, 404, 404, 404, 404, 404, 404]),
    ("GET", "/batches/999999/print", [404, 404, 404, 404, 404, 404, 404, 404, 404]),
    ("GET", "/batches/manage", [LOGIN, 403, 403, 403, 403, 200, 403, 403, 403]),
    ("POST", "/batches/new", [LOGIN, 403, 403, 403, 403, 302, 403, 403, 403]),
    ("GET", "/batches/999999/edit", [LOGIN, 403, 403, 403, 403, 404, 403, 403, 403]),
    ("POST", "/batches/999999/publish", [LOGIN, 403, 403, 403, 403, 404, 403, 403, 403]),
    ("POST", "/batches/999999/delete", [LOGIN, 403, 403, 403, 403, 404, 403, 403, 403]),
    # dashboard and industry map
    ("GET", "/dashboard", [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/dashboard/data/funnel.csv", [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/dashboard/data/firms.xlsx", [404, 404, 404, 404, 404, 404, 404, 404, 404]),
    ("GET", "/review/dashboard", [LOGIN, 403, 403, 403, 403, 200, 403, 403, 403]),
    ("GET", "/review/dashboard/data/firms.xlsx", [LOGIN, 403, 403, 403, 403, 200, 403, 403, 403]),
    ("GET", "/industry", [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    # saved searches: signed-in users, each their own; another's answers 404
    ("GET", "/my/searches/", [LOGIN, 200, 200, 200, 200, 200, 200, 200, 200]),
    (
        "POST",
        "/my/searches/",
        [LOGIN, 400, 400, 400, 400, 400, 400, 400, 400],
    ),  # no form: bad request
    ("POST", "/my/searches/{firm_search}/rename", [LOGIN, 404, 302, 404, 404, 404, 404, 404, 404]),
    ("POST", "/my/searches/{firm_search}/alerts", [LOGIN, 404, 302, 404, 404, 404, 404, 404, 404]),
    ("POST", "/my/searches/{firm_search}/delete", [LOGIN, 404, 302, 404, 404, 404, 404, 404, 404]),
    # background jobs: administrators see and retry runs; a run's status is its starter's
    ("GET", "/review/jobs", [LOGIN, 403, 403, 403, 403, 403, 200, 403, 403]),
    ("GET", "/review/jobs?status=queued", [LOGIN, 403, 403, 403, 403, 403, 200, 403, 403]),
    ("POST", "/review/jobs/999999/retry", [LOGIN, 403, 403, 403, 403, 403, 404, 403, 403]),
    ("POST", "/review/jobs/{firm_job}/retry", [LOGIN, 403, 403, 403, 403, 403, 302, 403, 403]),
    ("GET", "/jobs/{firm_job}", [LOGIN, 404, 200, 404, 404, 404, 200, 404, 404]),
    ("GET", "/jobs/999999", [LOGIN, 404, 404, 404, 404, 404, 404, 404, 404]),
    # the audit trail: the 审计管理员 only
    ("GET", "/audit/", [LOGIN, 403, 403, 403, 403, 403, 403, 403, 200]),
    (
        "GET",
        "/audit/?outcome=failure&start=2026-01-01",
        [LOGIN, 403, 403, 403, 403, 403, 403, 403, 200],
    ),
    ("GET", "/audit/export.csv", [LOGIN, 403, 403, 403, 403, 403, 403, 403, 200]),
    # the separated duties (三权分立): configuration for 系统管理员, grants for 安全管理员
    ("GET", "/review/engine", [LOGIN, 403, 403, 403, 403, 403, 200, 403, 403]),
    ("POST", "/review/engine/rebuild", [LOGIN, 403, 403, 403, 403, 403, 302, 403, 403]),
    ("GET", "/staff/accounts", [LOGIN, 403, 403, 403, 403, 403, 200, 403, 403]),
    ("POST", "/staff/accounts/{firm_user}/active", [LOGIN, 403, 403, 403, 403, 403, 302, 403, 403]),
    ("GET", "/staff/api-tokens", [LOGIN, 403, 403, 403, 403, 403, 200, 403, 403]),
    ("POST", "/staff/api-tokens/999999/revoke", [LOGIN, 403, 403, 403, 403, 403, 404, 403, 403]),
    ("GET", "/staff/roles", [LOGIN, 403, 403, 403, 403, 403, 403, 200, 403]),
    ("POST", "/staff/roles/{firm_user}", [LOGIN, 403, 403, 403, 403, 403, 403, 302, 403]),
    (
        "POST",
        "/staff/roles/{firm_user}/unlock",
        [LOGIN, 403, 403, 403, 403, 403, 403, 302, 403],
    ),
    (
        "POST",
        "/staff/roles/{firm_user}/second-factor/reset",
        [LOGIN, 403, 403, 403, 403, 403, 403, 302, 403],
    ),
    ("GET", "/auth/second-factor", [302, 302, 302, 302, 302, 302, 302, 302, 302]),
    ("GET", "/auth/password", [LOGIN, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/auth/forgot", [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/auth/reset/forged-token", [404, 404, 404, 404, 404, 404, 404, 404, 404]),
    # operations: probes for everyone; metrics from 127.0.0.1 (the test client's address) only
    ("GET", "/healthz", [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/readyz", [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/metrics", [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/metrics|203.0.113.9", [404, 404, 404, 404, 404, 404, 404, 404, 404]),
    # the open-data API: the same for everyone, whatever the session cookie says
    ("GET", "/api/v1/scenarios", [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/api/v1/dashboard", [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/api/v1/openapi.json", [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/api/v1/docs", [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST", "/api/v1/scenarios", [405, 405, 405, 405, 405, 405, 405, 405, 405]),
]


@pytest.mark.parametrize(
    ("method", "template", "expected"), MATRIX, ids=[f"{m} {t}" for m, t, _ in MATRIX]
)
@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=ROLES)
def test_access_matrix(
    client: FlaskClient,
    world: dict[str, Any],
    method: str,
    template: str,
    expected: list[Any],
    role_index: int,
) -> None:
    login(client, world["users"][ROLES[role_index]])
    url, _, address = template.format(**world).partition("|")  # "url|client address"
    environ = {"REMOTE_ADDR": address or "127.0.0.1"}
    response = client.open(url, method=method, environ_base=environ)
    want = expected[role_index]
    if want == LOGIN:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login?next=")
    else:
        assert response.status_code == want


def test_public_endpoints_are_only_those_meant_to_be_public() -> None:
    public = {e for e, gate in ENDPOINT_ACCESS.items() if gate == PUBLIC}
    assert public == {
        "static",
        "portal.index",
        "portal.scenarios",
        "portal.scenario_detail",
        "portal.capabilities",
        "portal.capability_detail",
        "auth.login",
        "auth.register",
        "auth.forgot",
        "auth.captcha_image",
        "auth.second_factor",
        "auth.reset_password",
        "organizations.detail",
        "excel.export_scenarios",
        "excel.export_capabilities",
        "batches.index",
        "batches.detail",
        "batches.download",
        "batches.printable",
        "cases.index",
        "cases.detail",
        "dashboard.public",
        "dashboard.public_download",
        "industry.index",
        "i18n.switch",
        "ops.healthz",
        "ops.readyz",
        "site.sitemap",
        "site.help",
        "site.privacy",
        "site.terms",
        "open_data.index",
        "open_data.manifest_json",
        "open_data.schema_file",
        "open_data.download",
    }


def test_api_gate_is_exactly_the_api_paths(app: Flask) -> None:
    api = {e for e, gate in ENDPOINT_ACCESS.items() if gate == API}
    under_api = {r.endpoint for r in app.url_map.iter_rules() if r.rule.startswith("/api/")}
    assert api == under_api
    assert "api_listings.scenarios" in api


def test_metrics_need_no_login_but_an_allowed_address_or_the_token() -> None:
    assert ENDPOINT_ACCESS["ops.metrics"] == SCRAPERS
