"""Text people must read is readable: WCAG AA contrast where white-on-white used to hide it.

A header style (white link buttons) leaked into the page: notification titles, and the 删除
buttons of attachments and draft batches, were white on white or near-white.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect

from app.config import ROOT
from tests import files
from tests.e2e.a11y import axe_violations, blocking, contrast
from tests.e2e.test_journey import ADMIN_EMAIL, ADMIN_PASSWORD, check_all, flash, sign_in

pytestmark = pytest.mark.browser

FIRM = ("firm@example.com", "Qiye-2026-Demo")
TITLE = "无障碍检查用的远程巡检服务"
AA = 4.5  # WCAG 2.1 AA, normal text


def assert_readable(page: Page, element: Locator) -> None:
    """The element is visible, its text contrasts at AA, and axe finds no contrast problem."""
    expect(element).to_be_visible()
    assert contrast(element) >= AA, f"{element.inner_text()!r}: {contrast(element):.2f}:1"
    assert blocking(axe_violations(page, ["color-contrast"])) == []


def draft_with_attachment(firm: Page) -> None:
    firm.goto("/my/capabilities/new")
    firm.get_by_label("能力名称", exact=True).fill(TITLE)
    firm.get_by_label("能力类型", exact=True).select_option("技术服务")
    firm.get_by_label("成熟度", exact=True).select_option("试点应用")
    check_all(firm.locator("#domains"), "城市治理")
    check_all(firm.locator("#tags"), "物联网")
    firm.get_by_label("能力介绍", exact=True).fill(
        "用无人机和摄像头远程巡检道路设施，自动识别破损。"
    )
    firm.get_by_role("button", name="保存草稿").click()
    expect(flash(firm)).to_contain_text("能力已保存为草稿")
    firm.get_by_role("link", name="管理附件").click()
    firm.get_by_label("选择文件", exact=True).set_input_files(
        {"name": "巡检方案.pdf", "mimeType": "application/pdf", "buffer": files.pdf()}
    )
    firm.get_by_role("button", name="上传").click()
    expect(flash(firm)).to_contain_text("已上传附件")


def test_attachment_delete_and_notification_titles_are_readable(
    new_person: Callable[[], Page],
) -> None:
    firm = new_person()
    sign_in(firm, *FIRM)
    draft_with_attachment(firm)
    assert_readable(firm, firm.get_by_test_id("attachments").get_by_role("button", name="删除"))

    firm.goto("/my/")
    firm.get_by_role("link", name=TITLE, exact=True).click()
    firm.get_by_role("button", name="提交审核").click()
    expect(flash(firm)).to_contain_text("已提交审核")
    admin = new_person()
    sign_in(admin, ADMIN_EMAIL, ADMIN_PASSWORD)
    admin.goto("/review/listings")
    item = admin.locator("article.review-item").filter(
        has=admin.get_by_role("heading", name=TITLE, exact=True)
    )
    item.get_by_role("radio", name="驳回", exact=True).check()
    item.get_by_label("驳回原因", exact=True).fill("请补充巡检覆盖范围。")
    item.get_by_role("button", name="提交审核结果").click()
    expect(flash(admin)).to_contain_text(TITLE)

    firm.goto("/notifications/")
    title = (
        firm.locator("li.notification.unread").filter(has_text=TITLE).locator(".notification-title")
    )
    assert_readable(firm, title)
    firm.screenshot(path=str(ROOT / "docs" / "screenshots" / "notifications.png"))


def test_the_delete_button_of_a_draft_batch_is_readable(page: Page) -> None:
    sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto("/batches/manage")
    page.get_by_label("清单类型").select_option("capability")
    page.get_by_test_id("batch-create").click()
    expect(flash(page)).to_contain_text("请选择条目")
    page.goto("/batches/manage")
    delete = page.get_by_role("button", name="删除").first
    assert_readable(page, delete)
    delete.click()  # leave no draft behind for the other tests
    expect(page.get_by_role("button", name="删除")).to_have_count(0)
