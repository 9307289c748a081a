"""The header on a laptop and on phones: one line per label, a menu button below 900 px.

At 1366 px every signed-in navigation label used to wrap (场景机 / 会); on a phone the labels
stacked one character per line and there was no menu button.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect

from app import i18n
from app.config import ROOT
from tests.e2e.a11y import scrolls_sideways
from tests.e2e.test_journey import sign_in

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / "docs" / "screenshots"
DEMO = {
    r["role"]: (r["email"], r["password"])
    for r in json.loads((ROOT / "seed" / "demo" / "users.json").read_text(encoding="utf-8"))
}
ROLES = [None, "publisher", "firm", "reviewer", "sysadmin"]  # the reviewer has the most items

# header labels that wrapped: their text is taller than one line
WRAPPED_JS = """() => [...document.querySelectorAll(
    '.main-nav a, .account a, .account .who, .account button, .reading-modes > *')]
  .filter(el => el.offsetParent !== null)
  .filter(el => {
    const text = document.createRange();
    text.selectNodeContents(el);
    return text.getBoundingClientRect().height > 1.5 * parseFloat(getComputedStyle(el).lineHeight);
  })
  .map(el => el.textContent.trim())"""


def as_role(page: Page, role: str | None) -> None:
    if role:
        sign_in(page, *DEMO[role])


@pytest.mark.parametrize("role", ROLES)
def test_no_header_label_wraps_at_1366(page: Page, role: str | None) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    as_role(page, role)
    page.goto("/scenarios")
    nav = page.get_by_role("navigation", name="主导航")
    expect(nav.get_by_role("link", name="场景机会")).to_be_visible()
    expect(page.get_by_role("button", name="菜单")).to_be_hidden()
    assert page.evaluate(WRAPPED_JS) == []
    tops = nav.get_by_role("link").evaluate_all("els => els.map(e => e.offsetTop)")
    assert len(set(tops)) == 1, "the navigation is on one row"
    if role == "reviewer":
        page.screenshot(
            path=str(SCREENSHOTS / "header-1366.png"),
            clip={"x": 0, "y": 0, "width": 1366, "height": 140},
        )


@pytest.mark.parametrize("role", ["reviewer", "firm"])
def test_a_menu_button_opens_the_navigation_on_a_phone(page: Page, role: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    as_role(page, role)
    page.goto("/")
    menu = page.get_by_role("button", name="菜单")
    nav = page.get_by_role("navigation", name="主导航")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    if role == "reviewer":
        page.screenshot(path=str(SCREENSHOTS / "header-390-closed.png"))

    menu.focus()
    page.keyboard.press("Enter")  # keyboard operable
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="场景机会")).to_be_visible()
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    assert page.evaluate(WRAPPED_JS) == []
    assert not scrolls_sideways(page)
    page.keyboard.press("Tab")  # focus moves into the opened menu
    assert page.evaluate("() => document.activeElement.closest('#site-menu') !== null")
    if role == "reviewer":
        page.screenshot(path=str(SCREENSHOTS / "header-390-open.png"))

    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    expect(menu).to_be_focused()
    menu.click()  # a tap opens it again
    expect(nav).to_be_visible()
    nav.get_by_role("link", name="能力清单").click()
    expect(page).to_have_url(re.compile(r"/capabilities$"))


def test_the_navigation_is_shown_without_javascript(browser: Browser, live_server: str) -> None:
    context = browser.new_context(
        base_url=live_server, viewport={"width": 390, "height": 844}, java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto("/")
        expect(page.get_by_role("navigation", name="主导航")).to_be_visible()
        expect(page.get_by_role("button", name="菜单")).to_be_hidden()
        assert not scrolls_sideways(page)
    finally:
        context.close()


@pytest.mark.parametrize("role", [None, "publisher", "reviewer"])
def test_no_sideways_scrolling_at_360(new_person: Callable[[], Page], role: str | None) -> None:
    page = new_person()
    page.set_viewport_size({"width": 360, "height": 740})
    as_role(page, role)
    for path in ("/", "/scenarios", "/capabilities", "/help"):
        page.goto(path)
        assert not scrolls_sideways(page), path


@pytest.mark.parametrize("width", [1366, 390])
def test_large_text_keeps_every_label_whole(page: Page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    as_role(page, "reviewer")
    page.goto("/review/")
    page.get_by_role("button", name="大字版").click()
    menu = page.get_by_role("button", name="菜单")
    expect(menu).to_be_visible()  # 大字版: the labels need the menu's room sooner
    menu.click()
    expect(page.get_by_role("navigation", name="主导航")).to_be_visible()
    assert page.evaluate(WRAPPED_JS) == []
    assert not scrolls_sideways(page)


@pytest.mark.parametrize("width", [1366, 360])
def test_the_english_header_fits_too(page: Page, live_server: str, width: int) -> None:
    page.context.add_cookies([{"name": i18n.COOKIE, "value": "en", "url": live_server}])
    page.set_viewport_size({"width": width, "height": 800})
    page.goto("/scenarios")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("language-switch")).to_be_visible()
    if width < 900:
        page.locator(".menu-toggle").click()
    assert page.evaluate(WRAPPED_JS) == []
    assert not scrolls_sideways(page)


def test_the_english_home_page(page: Page, live_server: str) -> None:
    """The home page in English, the interface translated, the listings as written (README)."""
    page.context.add_cookies([{"name": i18n.COOKIE, "value": "en", "url": live_server}])
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Latest scenarios")).to_be_visible()
    expect(page.get_by_role("button", name="Search scenarios")).to_be_visible()
    expect(page.get_by_role("link", name="Privacy statement")).to_be_visible()  # the footer
    assert page.evaluate(WRAPPED_JS) == []
    page.screenshot(path=str(SCREENSHOTS / "home-en.png"))
