"""The 待办 panel in a real browser, on the demo data: a publisher signs in and sees what
waits for them with counts and links; writes the README's screenshot (issue 12)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app.config import ROOT

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / "docs" / "screenshots"


def test_a_publisher_sees_the_todo_panel_and_follows_a_line(page: Page) -> None:
    page.goto("/auth/login")
    page.get_by_label("登录邮箱", exact=True).fill("publisher@example.com")
    page.get_by_label("密码", exact=True).fill("Faburen-2026-Demo")
    page.get_by_role("button", name="登录", exact=True).click()
    page.goto("/my/")
    panel = page.get_by_test_id("todo-panel")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("heading")).to_contain_text(re.compile(r"待办（共 \d+ 项）"))
    lines = panel.locator("li")
    assert lines.count() >= 1
    page.set_viewport_size({"width": 1200, "height": 900})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "todo-panel.png"), full_page=False)
    first = lines.first.get_by_role("link")
    href = first.get_attribute("href") or ""
    first.click()
    if href.startswith("#"):
        expect(page).to_have_url(re.compile(rf"/my/{re.escape(href)}$"))
    else:
        expect(page).to_have_url(re.compile(rf"{re.escape(href)}$"))
