"""WCAG 2.1 AA on every page of the journeys: axe-core finds no serious or critical violation.

Each person — an anonymous visitor, the demo publisher, the demo firm, the demo reviewer and
the staff duties — visits their pages (lists, details, forms, forms with errors, error pages)
at 1280 px; axe (tests/e2e/vendor/axe-core) checks each, and the same page at 360 px must not
scroll sideways. Also: the skip link, visible keyboard focus, the reading modes.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from app import i18n
from app.config import ROOT
from tests.e2e.a11y import axe_violations, blocking, contrast, scrolls_sideways, too_wide
from tests.e2e.test_journey import DEMO_TOTP, totp_code

pytestmark = pytest.mark.browser

DEMO = {
    r["role"]: (r["email"], r["password"])
    for r in json.loads((ROOT / "seed" / "demo" / "users.json").read_text(encoding="utf-8"))
}
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}


class Audit:
    """Checks pages one after another and keeps every problem, to report them all at once."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: dict[str, list[str]] = {}

    def check(self, label: str | None = None) -> None:
        """axe on the page as shown now; then no sideways scrolling at 360 px."""
        page = self.page
        url = urlsplit(page.url)
        where = label or url.path + (f"?{url.query}" if url.query else "")
        found = blocking(axe_violations(page))
        page.set_viewport_size(PHONE)
        if scrolls_sideways(page):
            found.append(f"scrolls sideways at 360 px ({', '.join(too_wide(page))})")
        page.set_viewport_size(DESKTOP)
        if found:
            self.problems[where] = found

    def visit(self, *paths: str) -> None:
        for path in paths:
            response = self.page.goto(path)
            assert response is not None
            assert response.status < 500, path
            self.check()

    def first_link(self, list_path: str, pattern: str, *, required: bool = True) -> str:
        """The first link on a page whose address matches the pattern ("" if none may be)."""
        self.page.goto(list_path)
        hrefs = self.page.locator("main a[href]").evaluate_all(
            "els => els.map(e => e.getAttribute('href'))"
        )
        found = [h for h in hrefs if re.fullmatch(pattern, h)]
        assert found or not required, f"no {pattern} on {list_path}"
        return found[0] if found else ""

    def assert_clean(self) -> None:
        report = "\n".join(f"{where}: {'; '.join(items)}" for where, items in self.problems.items())
        assert not self.problems, "accessibility problems:\n" + report


def sign_in(audit: Audit, role: str) -> None:
    """Sign in through the forms, checking the sign-in and second-factor pages on the way."""
    page = audit.page
    email, password = DEMO[role]
    page.goto("/auth/login")
    page.get_by_label("登录邮箱", exact=True).fill(email)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    if email in DEMO_TOTP:
        expect(page).to_have_url(re.compile(r"/auth/second-factor$"))
        audit.check("/auth/second-factor")
        page.get_by_label("动态验证码", exact=True).fill(totp_code(email))
        page.get_by_role("button", name="验证并登录").click()
    expect(page.locator(".flash-success")).to_contain_text("欢迎")
    audit.check("first page after sign-in, with its message")


@pytest.fixture
def audit(page: Page) -> Audit:
    page.set_viewport_size(DESKTOP)
    return Audit(page)


def test_public_pages(audit: Audit) -> None:
    page = audit.page
    audit.visit("/", "/scenarios", "/capabilities", "/batches/", "/cases", "/industry")
    audit.visit("/dashboard", "/help", "/sitemap", "/privacy", "/terms", "/open-data")
    audit.visit("/scenarios?q=数据&sort=deadline", "/no-such-page")
    scenario = audit.first_link("/scenarios", r"/scenarios/\d+")
    audit.visit(scenario, audit.first_link("/capabilities", r"/capabilities/\d+"))
    audit.visit(audit.first_link(scenario, r"/orgs/\d+"))
    batch = audit.first_link("/batches/", r"/batches/\d+")
    audit.visit(batch, f"{batch}/print")
    if case := audit.first_link("/cases", r"/cases/\d+", required=False):
        audit.visit(case)
    audit.visit("/auth/register", "/auth/forgot", "/auth/login")
    page.get_by_role("button", name="登录", exact=True).click()  # empty: errors in text
    audit.check("/auth/login with errors")
    page.goto("/auth/register")
    page.get_by_role("button", name="提交注册").click()
    audit.check("/auth/register with errors")
    audit.assert_clean()


def test_a_publishers_pages(audit: Audit) -> None:
    sign_in(audit, "publisher")
    page = audit.page
    audit.visit("/my/", "/my/scenarios/new", "/my/engagements", "/my/profile", "/my/searches/")
    audit.visit("/notifications/", "/notifications/settings", "/imports/", "/auth/password")
    audit.visit("/my/questions")
    page.goto("/my/scenarios/new")
    page.get_by_role("button", name="保存草稿").click()
    audit.check("/my/scenarios/new with errors")
    scenario = audit.first_link("/my/", r"/scenarios/\d+")
    scenario_id = scenario.rsplit("/", 1)[1]
    audit.visit(scenario, f"/my/scenarios/{scenario_id}/edit")
    audit.visit(f"/my/scenarios/{scenario_id}/attachments")
    audit.visit(f"/my/scenarios/{scenario_id}/applicants", f"/my/scenarios/{scenario_id}/versions")
    if engagement := audit.first_link("/my/engagements", r"/engagements/\d+", required=False):
        audit.visit(engagement)
    audit.assert_clean()


def test_a_firms_pages(audit: Audit) -> None:
    sign_in(audit, "firm")
    audit.visit("/my/", "/my/capabilities/new", "/my/engagements", "/notifications/")
    scenario = audit.first_link("/scenarios", r"/scenarios/\d+")
    audit.visit(scenario, f"{scenario}/apply")
    capability = audit.first_link("/my/", r"/capabilities/\d+")
    audit.visit(capability, f"/my{capability}/edit", f"/my{capability}/attachments")
    audit.assert_clean()


def test_a_reviewers_pages(audit: Audit) -> None:
    sign_in(audit, "reviewer")
    audit.visit("/review/", "/review/organizations", "/review/listings", "/review/matches")
    audit.visit("/review/engagements", "/review/contacts", "/review/dashboard", "/batches/manage")
    audit.visit("/notifications/", "/my/searches/", "/review/questions")
    audit.assert_clean()


@pytest.mark.parametrize(
    ("role", "paths"),
    [
        ("sysadmin", ("/staff/accounts", "/review/jobs", "/review/engine")),
        ("secadmin", ("/staff/roles",)),
        ("auditor", ("/audit/",)),
    ],
)
def test_the_staff_duties_pages(audit: Audit, role: str, paths: tuple[str, ...]) -> None:
    sign_in(audit, role)
    audit.visit(*paths)
    audit.assert_clean()


def test_the_english_view(audit: Audit, live_server: str) -> None:
    audit.page.context.add_cookies([{"name": i18n.COOKIE, "value": "en", "url": live_server}])
    audit.visit("/", "/scenarios", "/capabilities", "/batches/", "/cases", "/industry")
    audit.visit("/dashboard", "/no-such-page", "/help", "/sitemap", "/privacy", "/terms")
    audit.visit(audit.first_link("/scenarios", r"/scenarios/\d+"))
    audit.visit(audit.first_link("/capabilities", r"/capabilities/\d+"))
    expect(audit.page.locator("html")).to_have_attribute("lang", "en")
    audit.assert_clean()


# ---------------------------------------------------------------- keyboard and reading modes


def test_the_skip_link_is_the_first_stop_and_jumps_to_the_content(page: Page) -> None:
    page.goto("/scenarios")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到主要内容")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # shown when focused
    outline = skip.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none", "keyboard focus is visible"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('main') !== null")


def test_large_text_and_high_contrast_are_remembered(page: Page) -> None:
    page.goto("/")
    size = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
    large = page.get_by_role("button", name="大字版")
    expect(large).to_have_attribute("aria-pressed", "false")
    large.click()
    expect(large).to_have_attribute("aria-pressed", "true")
    expect(page.locator("html")).to_have_class(re.compile(r"\blarge-text\b"))
    assert page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)") >= size * 1.2

    page.get_by_role("button", name="高对比度").click()
    page.goto("/scenarios")  # another page, the same choices, before the first paint
    html = page.locator("html")
    expect(html).to_have_class(re.compile(r"\blarge-text\b"))
    expect(html).to_have_class(re.compile(r"\bhigh-contrast\b"))
    expect(page.get_by_role("button", name="高对比度")).to_have_attribute("aria-pressed", "true")
    assert contrast(page.locator(".card .meta").first) >= 7  # WCAG AAA in high contrast
    assert blocking(axe_violations(page)) == []
    page.set_viewport_size({"width": 1366, "height": 768})
    assert not scrolls_sideways(page)

    page.get_by_role("button", name="大字版").click()  # and off again
    page.reload()
    expect(html).not_to_have_class(re.compile(r"\blarge-text\b"))
    expect(html).to_have_class(re.compile(r"\bhigh-contrast\b"))


def test_status_is_told_in_words_not_only_colour(page: Page) -> None:
    page.goto("/scenarios")
    badges = page.locator("main .badge")
    for text in badges.all_inner_texts():
        assert text.strip(), "every status badge carries text"
    link = page.locator("main .card a").first
    assert "underline" in link.evaluate("el => getComputedStyle(el).textDecorationLine")
