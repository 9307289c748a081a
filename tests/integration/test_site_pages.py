"""Government-website conventions: footer, 网站地图, 帮助中心, 隐私声明, 使用条款, favicon."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.models import User
from app.site import navigation
from tests.conftest import login

SITE_PAGES = {
    "/sitemap": "网站地图",
    "/help": "帮助中心",
    "/privacy": "隐私声明",
    "/terms": "使用条款",
}
# public GET endpoints that are not pages a visitor browses to
NOT_IN_SITEMAP = {
    "static",
    "auth.captcha_image",
    "auth.second_factor",  # only right after a password
    "ops.healthz",
    "ops.readyz",
    "excel.export_scenarios",  # downloads, linked from the lists
    "excel.export_capabilities",
    "dashboard.public_download",
    "i18n.switch",  # the 中文 / English switch: a redirect back to the page
}


@pytest.mark.parametrize(("path", "heading"), SITE_PAGES.items())
def test_site_pages_are_public_and_linked_from_every_footer(
    client: FlaskClient, path: str, heading: str
) -> None:
    page = client.get(path)
    assert page.status_code == 200
    assert f"<h1>{heading}</h1>" in page.get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert f'<a href="{path}">{heading}</a>' in home


def test_the_footer_names_the_sponsor_contacts_and_filings_from_the_configuration(
    fresh_app: Callable[..., Flask],
) -> None:
    app = fresh_app(
        SITE_SPONSOR="济南市测试主办局",
        SITE_ORGANIZER="济南市测试承办中心",
        SITE_CONTACT_PHONE="0531-66668888",
        SITE_CONTACT_EMAIL="help@jinan.example.gov.cn",
        SITE_ICP="鲁ICP备12345678号-2",
        SITE_PSB="鲁公网安备 37010202001234号",
        SITE_CODE="3701000042",
    )
    html = app.test_client().get("/help").get_data(as_text=True)
    footer = html[html.index('<footer class="site-footer">') :]
    for text in (
        "济南市测试主办局",
        "济南市测试承办中心",
        "0531-66668888",
        "help@jinan.example.gov.cn",
    ):
        assert text in footer
    assert '<a href="https://beian.miit.gov.cn/"' in footer
    assert "鲁ICP备12345678号-2" in footer
    assert "https://beian.mps.gov.cn/#/query/webSearch?code=37010202001234" in footer
    assert "网站标识码：3701000042" in footer


def test_the_sitemap_lists_every_public_page(app: Flask, client: FlaskClient) -> None:
    html = client.get("/sitemap").get_data(as_text=True)
    pages = navigation.public_pages(app) - NOT_IN_SITEMAP
    listed = {link.endpoint for s in navigation.SECTIONS for link in s.links}
    assert pages - listed == set(), "a public page has no label in app/site/navigation.py"
    with app.test_request_context():
        from flask import url_for

        for endpoint in pages:
            assert f'href="{url_for(endpoint)}"' in html, endpoint


def test_the_sitemap_shows_no_page_a_visitor_cannot_open(client: FlaskClient) -> None:
    html = client.get("/sitemap").get_data(as_text=True)
    main = html[html.index("<main") : html.index("</main>")]
    assert "/my/" not in main
    assert "/review/" not in main
    assert "/staff/" not in main


def test_site_pages_are_served_from_the_page_cache(fresh_app: Callable[..., Flask]) -> None:
    client = fresh_app(PAGE_CACHE_SECONDS=60).test_client()
    for path in SITE_PAGES:
        assert client.get(path).headers["X-Page-Cache"] == "miss"
        assert client.get(path).headers["X-Page-Cache"] == "hit"


def test_every_page_links_the_favicon_and_the_files_exist(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    for name, kind in (("favicon.svg", "image/svg+xml"), ("favicon.ico", None)):
        assert f'href="/static/{name}"' in html
        with client.get(f"/static/{name}") as response:
            assert response.status_code == 200
            if kind:
                assert response.mimetype == kind


def test_the_header_shows_each_role_its_own_pages(client: FlaskClient, admin: User) -> None:
    login(client, admin)
    nav = client.get("/help").get_data(as_text=True)
    start = nav.index('aria-label="主导航"')  # after the language switch, itself a <nav>
    nav = nav[start : nav.index("</nav>", start)]
    assert ">审核中心</a>" in nav
    assert ">工作台</a>" not in nav


@pytest.mark.parametrize("path", ["/", "/help", "/auth/login"])
def test_pages_run_no_inline_script(client: FlaskClient, path: str) -> None:
    """The CSP allows no inline script: the reading modes and the menu come from site.js."""
    html = client.get(path).get_data(as_text=True)
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts, "site.js is loaded"
    assert all("src=" in tag for tag in scripts), scripts
    head = html[: html.index("</head>")]
    assert '<script src="/static/js/site.js"></script>' in head  # before the first paint
