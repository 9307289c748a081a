"""/staff/api-tokens: a 系统管理员 issues a token (shown once), lists and revokes; audited."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.extensions import db
from app.models import ApiToken, AuditEvent
from tests.conftest import login


def _actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_token_is_shown_once_stored_hashed_and_works(client, sysadmin) -> None:
    login(client, sysadmin)
    page = client.post(
        "/staff/api-tokens",
        data={"partner": "济南市数据共享平台", "note": "每日同步", "days": "90"},
    )
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    secret = re.search(r'data-testid="token-secret">([^<]+)<', html).group(1)
    token = db.session.scalar(sa.select(ApiToken))
    assert token.partner == "济南市数据共享平台"
    assert secret not in token.token_hash
    listing = client.get("/staff/api-tokens").get_data(as_text=True)
    assert secret not in listing  # never shown again
    assert token.prefix in listing
    assert "api_token_issue" in _actions()
    login(client, None)
    api = client.get("/api/v1/scenarios", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200


def test_revoking_stops_the_token_at_once(client, sysadmin) -> None:
    login(client, sysadmin)
    html = client.post("/staff/api-tokens", data={"partner": "历下区平台", "days": "30"}).get_data(
        as_text=True
    )
    secret = re.search(r'data-testid="token-secret">([^<]+)<', html).group(1)
    token = db.session.scalar(sa.select(ApiToken))
    response = client.post(f"/staff/api-tokens/{token.id}/revoke")
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/api-tokens"
    db.session.refresh(token)
    assert token.revoked_at is not None
    assert "api_token_revoke" in _actions()
    assert "已吊销" in client.get("/staff/api-tokens").get_data(as_text=True)
    login(client, None)
    api = client.get("/api/v1/scenarios", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 401


def test_the_form_refuses_bad_input_in_chinese(client, sysadmin) -> None:
    login(client, sysadmin)
    html = client.post("/staff/api-tokens", data={"partner": "", "days": "0"}).get_data(
        as_text=True
    )
    assert "请填写合作单位名称。" in html
    assert "有效期应在1至730天之间。" in html
    html = client.post("/staff/api-tokens", data={"partner": "某单位", "days": "abc"}).get_data(
        as_text=True
    )
    assert "token-secret" not in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0
