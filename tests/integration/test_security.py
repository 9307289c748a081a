"""Headers, cookies, CSRF and error handling that protect every page."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

import pytest
from flask import Flask

from app.models import Role
from tests.factories import PASSWORD, make_org, make_user


@pytest.fixture
def csrf_app(fresh_app: Callable[..., Flask]) -> Flask:
    """A second app on the same database with CSRF protection on, as in production."""
    return fresh_app()


def test_every_response_carries_the_security_headers(app: Flask) -> None:
    response = app.test_client().get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert re.fullmatch(r"[0-9a-f]{12}", response.headers["X-Request-ID"])


def test_the_session_cookie_is_httponly_and_samesite(app: Flask) -> None:
    make_user(make_org(Role.FIRM), email="c@example.com")
    response = app.test_client().post(
        "/auth/login", data={"email": "c@example.com", "password": PASSWORD}
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_a_post_without_a_csrf_token_is_refused(csrf_app: Flask) -> None:
    with csrf_app.app_context():
        make_user(make_org(Role.FIRM), email="csrf@example.com")
    client = csrf_app.test_client()
    response = client.post("/auth/login", data={"email": "csrf@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert "表单已过期或来源无效" in response.get_data(as_text=True)
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/auth/login", data={"email": "csrf@example.com", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_an_unexpected_error_is_logged_with_the_request_id_and_answers_500(
    caplog: pytest.LogCaptureFixture, fresh_app: Callable[..., Flask]
) -> None:
    fresh = fresh_app()
    from app.security.access import ENDPOINT_ACCESS, PUBLIC

    def boom() -> str:
        raise RuntimeError("kaput")

    fresh.config["PROPAGATE_EXCEPTIONS"] = False  # behave as production does
    fresh.add_url_rule("/__boom", "boom", boom)
    ENDPOINT_ACCESS["boom"] = PUBLIC
    try:
        with caplog.at_level(logging.ERROR):
            response = fresh.test_client().get("/__boom")
    finally:
        del ENDPOINT_ACCESS["boom"]
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    assert request_id in response.get_data(as_text=True)
    record = next(r for r in caplog.records if "unhandled error" in r.getMessage())
    assert record.request_id == request_id
    assert record.exc_info is not None
