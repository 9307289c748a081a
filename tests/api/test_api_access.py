"""Who may use the API and how much: tokens (401 when bad), rate limits (429), cookies ignored,
every token use audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.api import tokens
from app.extensions import db
from app.models import AuditEvent, ListingStatus, Role
from app.models.base import utcnow
from tests.conftest import login
from tests.factories import make_org, make_scenario, make_user


@pytest.fixture
def issued(sysadmin):
    found = tokens.issue(sysadmin, "济南市大数据局数据共享平台", "同步清单", days=30)
    db.session.commit()
    return found


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    assert body["type"].endswith(str(status))
    return body


def test_a_valid_token_is_accepted_and_its_use_audited(client, issued) -> None:
    response = client.get("/api/v1/scenarios?domain=智慧交通", headers=_bearer(issued.secret))
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("private")
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "api_token_use")
    ).all()
    assert len(events) == 1
    assert events[0].subject_id == issued.token.id
    assert "GET /api/v1/scenarios" in events[0].note
    assert issued.secret not in events[0].note
    client.get("/api/v1/dashboard", headers=_bearer(issued.secret))
    count = sa.select(sa.func.count()).where(AuditEvent.action == "api_token_use")
    assert db.session.scalar(count) == 2  # every use, not once a minute
    db.session.refresh(issued.token)
    assert issued.token.last_used_at is not None


def test_only_the_hash_of_a_token_is_stored(issued) -> None:
    assert issued.token.token_hash == tokens.token_hash(issued.secret)
    assert issued.secret not in {issued.token.token_hash, issued.token.prefix, issued.token.note}
    assert issued.secret.startswith(issued.token.prefix)


@pytest.mark.parametrize(
    "header",
    [
        "Bearer jnsc_not-a-real-token",
        "Bearer something-else",
        "Basic dXNlcjpwYXNz",
        "Bearer ",
        "Bearer " + "x" * 5000,
    ],
)
def test_an_invalid_token_is_refused_never_served_anonymously(client, header) -> None:
    response = client.get("/api/v1/scenarios", headers={"Authorization": header})
    _problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_refused_tokens_are_audited_and_count_against_the_address(app, client, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "API_RATE_ANONYMOUS", "2 per minute")
    guess = {"Authorization": "Bearer jnsc_guessed-token-0000000000"}
    for _ in range(2):
        _problem(client.get("/api/v1/scenarios", headers=guess), 401)
    _problem(client.get("/api/v1/scenarios", headers=guess), 429)  # no unlimited guessing
    notes = db.session.scalars(
        sa.select(AuditEvent.note).where(AuditEvent.action == "api_token_refused")
    ).all()
    assert len(notes) == 2
    assert all(n.startswith("jnsc_guessed") and "0000000000" not in n for n in notes)


def test_expired_and_revoked_tokens_are_refused(client, issued, sysadmin) -> None:
    issued.token.expires_at = utcnow() - timedelta(seconds=1)
    issued.token.created_at = utcnow() - timedelta(days=2)
    db.session.commit()
    _problem(client.get("/api/v1/scenarios", headers=_bearer(issued.secret)), 401)
    other = tokens.issue(sysadmin, "历下区政务服务平台", "", days=1)
    db.session.commit()
    assert client.get("/api/v1/scenarios", headers=_bearer(other.secret)).status_code == 200
    tokens.revoke(sysadmin, other.token)
    db.session.commit()
    _problem(client.get("/api/v1/scenarios", headers=_bearer(other.secret)), 401)


def test_anonymous_requests_are_limited_per_address_with_retry_after(
    app, client, monkeypatch
) -> None:
    monkeypatch.setitem(app.config, "API_RATE_ANONYMOUS", "3 per minute")
    for _ in range(3):
        assert client.get("/api/v1/scenarios").status_code == 200
    response = client.get("/api/v1/capabilities")  # one limit for the whole API
    body = _problem(response, 429)
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert "秒" in body["detail"]
    other = client.get("/api/v1/scenarios", environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert other.status_code == 200  # another address has its own allowance


def test_a_token_has_its_own_higher_limit(app, client, issued, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "API_RATE_ANONYMOUS", "2 per minute")
    monkeypatch.setitem(app.config, "API_RATE_TOKEN", "5 per minute")
    for _ in range(2):
        client.get("/api/v1/scenarios")
    assert client.get("/api/v1/scenarios").status_code == 429
    for _ in range(5):
        assert client.get("/api/v1/scenarios", headers=_bearer(issued.secret)).status_code == 200
    response = client.get("/api/v1/scenarios", headers=_bearer(issued.secret))
    _problem(response, 429)
    assert "Retry-After" in response.headers


def test_a_signed_in_reviewers_cookie_reveals_nothing_more(client, admin) -> None:
    org = make_org(Role.PUBLISHER)
    published = make_scenario(org, contact_phone="13805310001")
    draft = make_scenario(org, status=ListingStatus.PENDING, title="待审核的场景")
    anonymous = client.get("/api/v1/scenarios").get_json()
    login(client, admin)
    signed_in = client.get("/api/v1/scenarios")
    assert signed_in.get_json() == anonymous
    assert "Set-Cookie" not in signed_in.headers
    detail = client.get(f"/api/v1/scenarios/jnsc-S-{published.id}").get_json()
    assert detail["contact"]["phone"] == "138****0001"
    assert client.get(f"/api/v1/scenarios/jnsc-S-{draft.id}").status_code == 404
    # the same cookie signs the reviewer in on the site itself
    assert "审核中心" in client.get(f"/scenarios/{published.id}").get_data(as_text=True)


def test_no_response_sets_a_cookie(client) -> None:
    for url in ("/api/v1/scenarios", "/api/v1/nothing", "/api/v1/scenarios?bad=1", "/api/v1/docs"):
        assert "Set-Cookie" not in client.get(url).headers


def test_token_use_costs_one_small_write(client, issued) -> None:
    """Audit cost: one token lookup, one audit insert and one update per request."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        client.get("/api/v1/dashboard", headers=_bearer(issued.secret))
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    writes = [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert any("audit_events" in s for s in writes)
    assert len(writes) <= 4


def test_a_user_of_a_partner_cannot_use_a_session_as_a_token(client) -> None:
    user = make_user(make_org(Role.FIRM))
    login(client, user)
    response = client.get("/api/v1/scenarios", headers={"Authorization": "Bearer session"})
    _problem(response, 401)
