"""The English view of the public portal: the switch, the translated pages, the catalogue."""

from __future__ import annotations

import gettext
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask import Flask, render_template
from flask.testing import FlaskClient

from app import clock, i18n
from app.batches import services as batches
from app.cases import services as cases
from app.config import ROOT
from app.extensions import db
from app.models import BatchKind, EngagementStage, Role, User
from tests.conftest import login
from tests.factories import landed, make_capability, make_scenario
from tests.integration.test_cases import CASE

CATALOGUE = ROOT / "app" / "translations" / "en" / "LC_MESSAGES"
BASE_TEMPLATE = ROOT / "app" / "templates" / "base.html"
# base.html is being rewritten elsewhere; these checks run once it shows the language
BASE_FOLLOWS_LANGUAGE = "html_lang()" in BASE_TEMPLATE.read_text(encoding="utf-8")
BASE_HAS_SWITCH = "_language_switch.html" in BASE_TEMPLATE.read_text(encoding="utf-8")


def english(client: FlaskClient) -> FlaskClient:
    """The client of a visitor who chose English."""
    client.set_cookie(i18n.COOKIE, "en")
    return client


@contextmanager
def requesting(app: Flask, url: str, lang: str | None = None) -> Iterator[None]:
    """A request to url (its hooks run) in its own app context, as every real request has."""
    headers = {"Cookie": f"{i18n.COOKIE}={lang}"} if lang else {}
    with app.app_context(), app.test_request_context(url, headers=headers):
        app.preprocess_request()
        yield


def text(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.get_data(as_text=True)


# --- the switch ---------------------------------------------------------------------------------


def test_the_switch_remembers_english_and_goes_back_to_the_same_page(client: FlaskClient) -> None:
    response = client.get("/language?lang=en&next=/scenarios?q%3D%E5%B7%A1%E6%A3%80%26page%3D2")
    assert response.status_code == 302
    assert response.headers["Location"] == "/scenarios?q=%E5%B7%A1%E6%A3%80&page=2"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=en;")
    assert f"Max-Age={i18n.COOKIE_MAX_AGE}" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Path=/" in cookie
    assert "Scenario opportunity list" in text(client, "/scenarios")  # the cookie is kept

    back = client.get("/language?lang=zh&next=/scenarios")
    assert back.headers["Set-Cookie"].startswith("lang=zh;")
    assert "场景机会清单" in text(client, "/scenarios")


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/path",
        "/\\evil.example",
        "javascript:alert(1)",
        "scenarios",
        "",
    ],
)
def test_the_switch_goes_back_to_local_pages_only(client: FlaskClient, target: str) -> None:
    response = client.get("/language", query_string={"lang": "en", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("value", ["fr", "EN", "en-US", "zh_Hans", "", "<script>"])
def test_an_unknown_language_is_ignored(client: FlaskClient, value: str) -> None:
    response = client.get("/language", query_string={"lang": value, "next": "/cases"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/cases"
    assert "Set-Cookie" not in response.headers
    client.set_cookie(i18n.COOKIE, value)  # a forged cookie: Chinese, no error
    assert "优秀案例" in text(client, "/cases")


def test_chinese_is_the_default(client: FlaskClient, publisher: User) -> None:
    make_scenario(publisher.organization, budget_wan=None)
    page = text(client, "/scenarios")
    assert "场景机会清单" in page
    assert "面议" in page
    assert "Scenario opportunity list" not in page
    assert "Negotiable" not in page


def test_the_language_switch_partial_names_each_language_in_itself(app: Flask) -> None:
    with requesting(app, "/scenarios?q=巡检", "en"):
        html = render_template("_language_switch.html")
    assert '<span class="current" lang="en" aria-current="true">English</span>' in html
    assert 'href="/language?lang=zh&amp;next=/scenarios?q%3D%E5%B7%A1%E6%A3%80"' in html
    assert 'lang="zh-CN" hreflang="zh-CN"' in html
    assert 'aria-label="中文 – 以中文查看本页"' in html
    with requesting(app, "/cases"):
        html = render_template("_language_switch.html")
    assert '<span class="current" lang="zh-CN" aria-current="true">中文</span>' in html
    assert 'href="/language?lang=en&amp;next=/cases" lang="en" hreflang="en"' in html
    with requesting(app, "/auth/login", "en"):  # not translated: switching would change nothing
        assert not render_template("_language_switch.html").strip()


# --- the translated pages: interface in English, listing content as written ----------------------


def test_the_lists_in_english(client: FlaskClient, publisher: User, firm: User) -> None:
    make_scenario(publisher.organization, title="智慧停车诱导系统", budget_wan=None)
    make_capability(firm.organization, title="城市大脑停车平台")
    english(client)
    page = text(client, "/scenarios")
    for label in (
        "Scenario opportunity list",
        "Export to Excel",
        "1 result found",
        "Sort by relevance",
        "All districts",
        "Minimum budget (×10k CNY)",
        "Budget Negotiable",
        "Search",
    ):
        assert label in page, label
    assert "智慧停车诱导系统" in page  # content as written
    assert "智慧交通" in page  # taxonomy terms too
    assert "找到" not in page

    page = text(client, "/capabilities?local=1")
    for label in ("Capability list", "Local firms only", "Local firm", "Clear filters"):
        assert label in page, label
    assert "城市大脑停车平台" in page
    assert "规模应用" in page  # maturity is listing content

    empty = text(client, "/scenarios?q=不存在的词语")
    assert "No scenarios match your search." in empty
    assert "Try fewer filters." in empty


def test_the_detail_pages_in_english(client: FlaskClient, publisher: User, firm: User) -> None:
    capability = make_capability(firm.organization, title="城市大脑停车平台")
    english(client)
    page = text(client, f"/capabilities/{capability.id}")
    for label in ("Provided by", "Capability type", "Maturity", "Reference case", "(2024)"):
        assert label in page, label
    assert "<h1>城市大脑停车平台</h1>" in page
    assert "某区城管局" in page
    assert "Sign in</a> with an approved organisation to see the full contact details." in page
    assert "139****0000" in page

    page = text(client, f"/orgs/{firm.organization.id}")
    for label in (
        "Digital firm",
        "Type of organisation",
        "Unified social credit code",
        "Local firm",
    ):
        assert label in page, label
    assert "Published capabilities (1)" in page
    assert firm.organization.name in page
    assert "民营企业" in page  # the organisation's kind is its own data


def test_the_home_page_in_english(client: FlaskClient, publisher: User, firm: User) -> None:
    make_scenario(publisher.organization, title="智慧停车诱导系统")
    make_capability(firm.organization, title="城市大脑停车平台")
    english(client)
    page = text(client, "/")
    for label in (
        "Products for scenarios, scenarios for products",
        "Search scenarios",
        "Scenarios published",
        "Capabilities published",
        "Registered digital firms",
        "Latest scenarios",
        "View all",
        "Digital firms approved by the platform",  # a figure's tooltip
        "Skip to main content",
        "Privacy statement",  # the footer
        "Website ID: ",
    ):
        assert label in page, label
    assert "智慧停车诱导系统" in page  # listings as written
    assert "城市大脑停车平台" in page
    assert "最新场景机会" not in page
    assert "累计发布场景" not in page


def test_the_scenario_page_in_english(client: FlaskClient, publisher: User, firm: User) -> None:
    scenario = make_scenario(publisher.organization, title="智慧停车诱导系统", budget_wan=None)
    english(client)
    page = text(client, f"/scenarios/{scenario.id}")
    for label in (
        "Scenario opportunity list",
        "Publisher",
        "Current situation and pain points",
        "Negotiable",
        "Sign in to apply",
        "Register free of charge",
        "No questions have been answered publicly yet.",
        "Sign in to ask a question</a>",
    ):
        assert label in page, label
    assert "<h1>智慧停车诱导系统</h1>" in page
    assert scenario.description in page
    assert publisher.organization.name in page
    for chinese in ("现状与痛点", "登录后揭榜", "暂无公开答疑"):
        assert chinese not in page, chinese

    login(client, firm)  # a signed-in firm: its way in and the 答疑 form in English too
    page = text(client, f"/scenarios/{scenario.id}")
    for label in ("Apply</a>", "Submit question", "Follow this scenario"):
        assert label in page, label


def test_an_expired_scenario_says_why_in_english(client: FlaskClient, publisher: User) -> None:
    from app.models import ListingStatus
    from app.questions import services as questions

    scenario = make_scenario(publisher.organization)
    scenario.status = ListingStatus.EXPIRED
    db.session.commit()
    assert questions.closed_message(scenario) == "提问已截止：该场景申报截止日期已过。"  # Chinese
    login(english(client), publisher)  # an ended scenario: its owner still sees the page
    page = text(client, f"/scenarios/{scenario.id}")
    assert "Questions are closed: the application deadline of this scenario has passed." in page
    client.set_cookie(i18n.COOKIE, "zh")
    assert "提问已截止：该场景申报截止日期已过。" in text(client, f"/scenarios/{scenario.id}")


def test_the_dashboard_in_english(app: Flask, client: FlaskClient, publisher: User) -> None:
    make_scenario(publisher.organization, title="智慧停车诱导系统")
    english(client)
    page = text(client, "/dashboard")
    for label in (
        "Jinan digital application scenarios dashboard",
        "The public version shows aggregate figures only.",
        "Key figures",
        "By domain: published scenarios and capabilities",
        "Data table",
        "Domain",
        "Conversion from the previous stage (%)",
        "Download:",
    ):
        assert label in page, label
    assert "智慧交通" in page  # the taxonomy's domains as written
    for chinese in ("数据表", "核心指标", "按应用领域"):
        assert chinese not in page, chinese
    assert "按应用领域" in text(app.test_client(), "/dashboard")  # Chinese without the cookie


@pytest.mark.parametrize(
    ("path", "labels"),
    [
        ("/help", ("Help centre", "Registering and signing in", "Frequently asked questions")),
        ("/sitemap", ("Site map", "Sections", "Accounts", "Industry map")),
        ("/privacy", ("Privacy statement", "What personal information we keep, and why")),
        ("/terms", ("Terms of use", "1. What the platform is", "privacy statement</a>")),
    ],
)
def test_the_site_pages_in_english(
    app: Flask, client: FlaskClient, path: str, labels: tuple[str, ...]
) -> None:
    chinese = text(client, path)
    page = text(english(client), path)
    for label in labels:
        assert label in page, label
        assert label not in chinese, label
    assert '<html lang="en">' in page
    assert app.config["SITE_SPONSOR"] in page  # the sponsor's name as configured
    assert app.config["SITE_CONTACT_PHONE"] in page


def test_batches_in_english(client: FlaskClient, admin: User, publisher: User) -> None:
    scenario = make_scenario(publisher.organization, title="智慧社区养老服务", budget_wan=120)
    batch = batches.create(admin, BatchKind.SCENARIO)
    batches.update(admin, batch, batch.title, "", [scenario.id])
    batches.publish(admin, batch, clock.today())
    db.session.commit()
    english(client)
    page = text(client, "/batches/")
    assert "Published batches" in page
    assert "Batch 1 · Scenario opportunity list · 1 item · Published on" in page
    assert batch.title in page  # the batch's own title, Chinese as written
    page = text(client, f"/batches/{batch.id}")
    for label in ("Download Excel", "Printable version", "Application deadline", "120 ×10k CNY"):
        assert label in page, label
    assert "智慧社区养老服务" in page
    page = text(client, f"/batches/{batch.id}/print")
    assert "(printable version)" in page
    assert "Use your browser’s Print command" in page


def test_cases_in_english(client: FlaskClient, admin: User, publisher: User, firm: User) -> None:
    case = cases.save_draft(admin, landed(publisher, firm), cases.CaseInput(**CASE))
    cases.consent(publisher, case)
    cases.consent(firm, case)
    cases.publish(admin, case)
    db.session.commit()
    english(client)
    page = text(client, "/cases")
    assert "Excellent cases" in page
    assert CASE["title"] in page
    page = text(client, f"/cases/{case.id}")
    for label in ("Solution provider", "The problem", "The solution", "Results", "Key figures"):
        assert label in page, label
    assert CASE["solution"] in page
    assert "No cases found for “没有的词”." in text(client, "/cases?q=没有的词")


def test_the_industry_map_in_english(client: FlaskClient, firm: User) -> None:
    make_capability(firm.organization, title="城市大脑停车平台")
    english(client)
    page = text(client, "/industry")
    for label in ("Industry cluster map", "All industry chains", "Filter firms", "Total", "Firms"):
        assert label in page, label
    assert firm.organization.name in page


def test_error_pages_in_english(client: FlaskClient) -> None:
    english(client)
    page = text(client, "/no-such-page", 404)
    assert "This page does not exist, or you may not view it." in page
    assert "Back to the home page" in page
    assert "Request ID: " in page
    assert "This page does not exist" in text(client, "/scenarios/999999", 404)
    response = client.get("/scenarios/999999", headers={"Accept": "application/json"})
    assert response.json["error"] == "This page does not exist, or you may not view it."


def test_the_unavailable_page_follows_the_language(app: Flask) -> None:
    with requesting(app, "/scenarios", "en"):
        html = render_template("errors/unavailable.html", code=503, message="-", request_id="r")
    assert '<html lang="en">' in html
    assert "Service temporarily unavailable" in html
    assert 'rel="icon"' in html
    assert '<a class="skip-link" href="#main">Skip to main content</a>' in html
    assert 'id="main"' in html
    with requesting(app, "/scenarios"):
        html = render_template("errors/unavailable.html", code=503, message="-", request_id="r")
    assert '<html lang="zh-CN">' in html


@pytest.mark.skipif(not BASE_FOLLOWS_LANGUAGE, reason="base.html does not use html_lang() yet")
def test_the_page_language_follows_the_choice(client: FlaskClient) -> None:
    assert '<html lang="zh-CN">' in text(client, "/scenarios")
    assert '<html lang="en">' in text(english(client), "/scenarios")
    assert '<html lang="zh-CN">' in text(client, "/auth/login")  # not translated: Chinese


@pytest.mark.skipif(not BASE_HAS_SWITCH, reason="base.html does not include the switch yet")
def test_every_public_page_offers_the_switch(client: FlaskClient) -> None:
    assert 'data-testid="language-switch"' in text(client, "/scenarios")
    assert 'hreflang="zh-CN"' in text(english(client), "/cases")


def test_pages_without_a_translation_stay_chinese(client: FlaskClient, publisher: User) -> None:
    english(client)
    assert "Sign in" not in text(client, "/auth/login")
    login(client, publisher)
    page = text(client, "/my/")
    assert "工作台" in page
    assert "Scenario opportunity list" not in page
    # on a translated page the signed-in owner gets English too
    assert "Scenario opportunity list" in text(client, "/scenarios")


def test_labels_stay_chinese_in_python_and_are_translated_where_shown(app: Flask) -> None:
    with requesting(app, "/batches/", "en"):
        # computed values (dashboard snapshots, exports, audit rows) never turn English
        assert EngagementStage.SIGNED.label == "已签约"
        assert BatchKind.SCENARIO.label == "场景机会清单"
        assert Role.FIRM.label == "数字企业"
        assert i18n.translate(EngagementStage.SIGNED.label) == "Contract signed"
        assert i18n.translate("较上一阶段转化率（%）") == "Conversion from the previous stage (%)"
        assert i18n.translate("一个没有译文的词") == "一个没有译文的词"
    with requesting(app, "/auth/login", "en"):
        assert i18n.translate(EngagementStage.SIGNED.label) == "已签约"


def test_translated_pages_vary_by_cookie(client: FlaskClient) -> None:
    assert "Cookie" in client.get("/cases").headers.get("Vary", "")
    assert "Cookie" in client.get("/nowhere").headers.get("Vary", "")


# --- the page cache keeps the languages apart ----------------------------------------------------


def test_the_page_cache_keeps_a_copy_per_language(
    fresh_app: Callable[..., Flask], publisher: User
) -> None:
    make_scenario(publisher.organization, title="智慧停车诱导系统")
    cached = fresh_app(PAGE_CACHE_SECONDS=60)
    chinese, visitor = cached.test_client(), english(cached.test_client())

    first = chinese.get("/scenarios")
    assert first.headers["X-Page-Cache"] == "miss"
    assert "场景机会清单" in first.get_data(as_text=True)
    other = visitor.get("/scenarios")
    assert other.headers["X-Page-Cache"] == "miss"  # not the Chinese copy
    assert "Scenario opportunity list" in other.get_data(as_text=True)

    again = chinese.get("/scenarios")
    assert again.headers["X-Page-Cache"] == "hit"
    assert again.get_data() == first.get_data()
    english_again = visitor.get("/scenarios")
    assert english_again.headers["X-Page-Cache"] == "hit"
    assert english_again.get_data() == other.get_data()
    store = cached.extensions["page_cache"]
    assert store.get("zh_Hans:/scenarios?") == first.get_data()
    assert store.get("en:/scenarios?") == other.get_data()

    for path in ("/", "/dashboard", "/help", "/sitemap", "/privacy", "/terms"):
        chinese.get(path)
        assert store.get(f"zh_Hans:{path}?") is not None, path
        english_page = visitor.get(path)
        assert english_page.headers["X-Page-Cache"] == "miss", path  # not the Chinese copy
        assert store.get(f"en:{path}?") == english_page.get_data(), path


# --- the catalogue -----------------------------------------------------------------------------


def _catalogue() -> Catalog:
    with (CATALOGUE / "messages.po").open("rb") as po:
        return read_po(po, locale="en")


def test_every_message_in_the_catalogue_has_an_english_translation() -> None:
    catalogue = _catalogue()
    assert len(catalogue) > 100
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(s.strip() for s in strings), f"untranslated: {message.id!r}"
        assert not message.fuzzy, f"fuzzy (check and clear the flag): {message.id!r}"
        assert not message.check(catalogue), f"placeholders differ: {message.id!r}"


def test_the_compiled_catalogue_matches_the_po_file() -> None:
    with (CATALOGUE / "messages.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    for message in _catalogue():
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            for n, form in ((1, 0), (2, 1)):
                got = compiled.ngettext(message.id[0], message.id[1], n)
                assert got == message.string[form], "stale messages.mo: run make translations"
        elif message.context:
            got = compiled.pgettext(message.context, message.id)
            assert got == message.string, "stale messages.mo: run make translations"
        else:
            got = compiled.gettext(message.id)
            assert got == message.string, "stale messages.mo: run make translations"


def _not_hidden(path: str) -> bool:
    return not Path(path).name.startswith(".")


def test_every_marked_string_is_in_the_catalogue() -> None:
    keywords = {
        "_": None,
        "gettext": None,
        "ngettext": (1, 2),
        "pgettext": ((1, "c"), 2),
        "lazy_gettext": None,
        "N_": None,
    }
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    known = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in _catalogue() if m.id}
    missing = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(ROOT / "app"),
        method_map=method_map,
        keywords=keywords,
        directory_filter=_not_hidden,  # templates/_macros too, as --ignore-dirs=".*" does
    ):
        msgid = message if isinstance(message, str) else message[0]
        if msgid and (context, msgid) not in known:
            missing.add((context, msgid))
    assert not missing, f"not in messages.po (run make translations): {sorted(missing)}"


def test_babel_cfg_and_the_test_extract_the_same_files() -> None:
    config = (ROOT / "babel.cfg").read_text(encoding="utf-8")
    assert "[python: app/**.py]" in config
    assert "[jinja2: app/templates/**.html]" in config
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert '--ignore-dirs=".*"' in makefile  # Babel skips "_" directories (_macros) by default
    assert Path(CATALOGUE / "messages.mo").exists()
