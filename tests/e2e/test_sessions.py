"""Signing out in a real browser: Back shows the sign-in page, and a copied cookie opens nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_journey import sign_in

pytestmark = pytest.mark.browser

FIRM_EMAIL = "firm@example.com"  # seed/demo/users.json
FIRM_PASSWORD = "Qiye-2026-Demo"
WORKSPACE = "工作台 · 浪潮软件股份有限公司"


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="退出", exact=True).click()
    expect(page.locator(".flash-info")).to_contain_text("您已退出登录。")


def test_back_after_sign_out_shows_the_sign_in_page_not_the_private_one(page: Page) -> None:
    sign_in(page, FIRM_EMAIL, FIRM_PASSWORD)
    page.goto("/my/")
    expect(page.get_by_role("heading", level=1)).to_have_text(WORKSPACE)
    sign_out(page)
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("登录")
    assert "/auth/login" in page.url
    expect(page.get_by_text(WORKSPACE)).to_have_count(0)


def test_a_cookie_copied_before_sign_out_opens_nothing_after_it(
    new_person: Callable[[], Page],
) -> None:
    owner = new_person()
    sign_in(owner, FIRM_EMAIL, FIRM_PASSWORD)
    thief = new_person()
    thief.context.add_cookies(owner.context.cookies())
    thief.goto("/my/")
    expect(thief.get_by_role("heading", level=1)).to_have_text(WORKSPACE)
    sign_out(owner)
    thief.goto("/my/")
    expect(thief.get_by_role("heading", level=1)).to_have_text("登录")
