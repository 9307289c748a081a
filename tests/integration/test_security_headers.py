"""Headers that keep private pages out of caches and downloads inert; the production cookie."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.config import DevelopmentConfig, ProductionConfig
from app.extensions import db
from app.models import Attachment, ListingStatus, Role, User
from tests import files
from tests.conftest import dispose, login
from tests.factories import PASSWORD, make_capability, make_org, make_user

SECRET = "s" * 40


@pytest.fixture
def production(app: Flask) -> Iterator[Flask]:
    """The production configuration on the suite's database."""
    application = create_app(
        ProductionConfig,
        SECRET_KEY=SECRET,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        JOBS_MODE="eager",
        JOBS_LOCAL_SCHEDULER=False,
        PAGE_CACHE_SECONDS=0,
    )
    yield application
    dispose(application)


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_signed_in_pages_are_never_stored(client: FlaskClient, firm: User) -> None:
    login(client, firm)
    for url in ("/my/", "/", "/scenarios"):  # private and public pages alike, when signed in
        assert client.get(url).headers["Cache-Control"] == "no-store", url


def test_anonymous_public_pages_may_be_cached(client: FlaskClient) -> None:
    for url in ("/", "/scenarios", "/cases"):
        assert "no-store" not in client.get(url).headers.get("Cache-Control", ""), url


def test_a_response_that_sets_the_session_cookie_is_not_stored(
    fresh_app: Callable[..., Flask],
) -> None:
    client = fresh_app(WTF_CSRF_ENABLED=True).test_client()
    response = client.get("/auth/login")  # its CSRF token lives in the session
    assert "Set-Cookie" in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_sign_out_is_not_stored_either(client: FlaskClient, firm: User) -> None:
    login(client, firm)
    assert client.post("/auth/logout").headers["Cache-Control"] == "no-store"


def test_the_page_cache_never_keeps_a_signed_in_page(
    fresh_app: Callable[..., Flask], firm: User
) -> None:
    name = firm.name
    cached = fresh_app(PAGE_CACHE_SECONDS=60)
    signed = login(cached.test_client(), firm)
    assert name in signed.get("/").get_data(as_text=True)
    anonymous = cached.test_client().get("/")
    assert anonymous.headers["X-Page-Cache"] == "miss"
    assert name not in anonymous.get_data(as_text=True)


def test_downloads_are_sandboxed(client: FlaskClient, firm: User) -> None:
    capability = make_capability(firm.organization, ListingStatus.DRAFT)
    login(client, firm)
    client.post(
        f"/my/capabilities/{capability.id}/attachments",
        data={"file": (io.BytesIO(files.pdf()), "白皮书.pdf")},
        content_type="multipart/form-data",
    )
    attachment = db.session.scalar(db.select(Attachment))
    responses = {
        "attachment": client.get(f"/attachments/{attachment.id}"),
        "excel": client.get("/exports/scenarios.xlsx"),
        "csv": client.get("/dashboard/data/funnel.csv"),
    }
    for what, response in responses.items():
        assert response.status_code == 200, what
        assert response.headers["Content-Disposition"].startswith("attachment"), what
        assert response.headers["Content-Security-Policy"].endswith("; sandbox"), what
        response.close()
    assert "sandbox" not in client.get("/my/").headers["Content-Security-Policy"]


def test_hsts_and_permissions_policy_only_in_production(
    client: FlaskClient, production: Flask
) -> None:
    response = production.test_client().get("/", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    policy = response.headers["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in policy
    development = client.get("/")
    assert "Strict-Transport-Security" not in development.headers
    assert "Permissions-Policy" not in development.headers


@pytest.mark.commits  # a second app (production configuration) on the database
def test_the_production_cookie_is_host_only_secure_and_hidden_from_scripts(
    production: Flask,
) -> None:
    user = make_user(make_org(Role.FIRM))
    client = production.test_client()
    page = client.get("/auth/login", base_url="https://localhost").get_data(as_text=True)
    response = client.post(
        "/auth/login",
        base_url="https://localhost",
        headers={"Referer": "https://localhost/auth/login"},  # Flask-WTF's check over HTTPS
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(page)},
    )
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"secure", "httponly", "path", "samesite"} <= attributes
    assert "domain" not in attributes
    assert "expires" not in attributes  # ends with the browser; the server ends it sooner
    assert "Path=/" in cookie
    assert "SameSite=Lax" in cookie
    assert "remember_token" not in str(response.headers)
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/my/", base_url="https://localhost").status_code == 200


def test_development_keeps_a_cookie_that_works_on_plain_http(app: Flask) -> None:
    development = create_app(
        DevelopmentConfig,
        SECRET_KEY=SECRET,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        JOBS_MODE="eager",
        JOBS_LOCAL_SCHEDULER=False,
    )
    try:
        cookie = development.test_client().get("/auth/login").headers["Set-Cookie"]
    finally:
        dispose(development)
    assert cookie.startswith("session=")
    assert "Secure" not in cookie
    assert "HttpOnly" in cookie
