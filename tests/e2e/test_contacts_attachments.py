"""In a real browser: masked contacts revealed on request and logged; attachments; org pages."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests import files
from tests.e2e.test_journey import ADMIN_EMAIL, ADMIN_PASSWORD, check_all, flash, sign_in

pytestmark = pytest.mark.browser

SCENARIO = "政务大模型辅助公文办理"  # seed/demo/scenarios.json, by 济南市大数据局
PHONE = "0531-66608002"
FIRM_EMAIL, FIRM_PASSWORD = "firm@example.com", "Qiye-2026-Demo"  # 浪潮软件股份有限公司


def open_scenario(page: Page) -> None:
    page.goto(f"/scenarios?q={SCENARIO}")
    page.get_by_role("link", name=SCENARIO, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SCENARIO)


def test_contacts_are_revealed_on_request_and_logged(new_person: Callable[[], Page]) -> None:
    visitor = new_person()
    open_scenario(visitor)
    contact = visitor.get_by_test_id("contact")
    expect(contact).to_contain_text("0531-****8002")
    expect(contact).not_to_contain_text(PHONE)
    expect(contact.get_by_role("link", name="登录")).to_be_visible()
    visitor.get_by_role("link", name="济南市大数据局").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("济南市大数据局")
    expect(visitor.get_by_role("link", name=SCENARIO)).to_be_visible()

    firm = new_person()
    sign_in(firm, FIRM_EMAIL, FIRM_PASSWORD)
    open_scenario(firm)
    expect(firm.get_by_test_id("contact")).not_to_contain_text(PHONE)
    firm.get_by_role("button", name="查看联系方式").click()
    expect(firm).to_have_url(re.compile(r"/scenarios/\d+#contact$"))
    expect(firm.get_by_test_id("contact-phone")).to_have_text(PHONE)

    admin = new_person()
    sign_in(admin, ADMIN_EMAIL, ADMIN_PASSWORD)
    admin.goto("/review/")
    admin.get_by_role("link", name="联系方式查看记录").click()
    row = admin.get_by_test_id("reveal-log").locator("tbody tr").filter(has_text=SCENARIO)
    expect(row.first).to_contain_text("浪潮软件股份有限公司")
    expect(row.first).to_contain_text("127.0.0.1")


def test_a_firm_attaches_files_checked_by_content(new_person: Callable[[], Page]) -> None:
    firm = new_person()
    sign_in(firm, FIRM_EMAIL, FIRM_PASSWORD)
    firm.goto("/my/capabilities/new")
    firm.get_by_label("能力名称", exact=True).fill("公文智能校对服务")
    firm.get_by_label("能力类型", exact=True).select_option("技术服务")
    firm.get_by_label("成熟度", exact=True).select_option("试点应用")
    check_all(firm.locator("#domains"), "智慧政务")
    check_all(firm.locator("#tags"), "大模型")
    firm.get_by_label("能力介绍", exact=True).fill(
        "基于大模型的公文智能校对服务，自动发现错别字、格式和政治性表述问题，提供修改建议。"
    )
    firm.get_by_role("button", name="保存草稿").click()
    expect(flash(firm)).to_contain_text("能力已保存为草稿")
    firm.get_by_role("link", name="管理附件").click()
    upload = firm.get_by_label("选择文件", exact=True)
    upload.set_input_files(
        {"name": "产品白皮书.pdf", "mimeType": "application/pdf", "buffer": files.pdf()}
    )
    firm.get_by_role("button", name="上传").click()
    expect(flash(firm)).to_contain_text("已上传附件“产品白皮书.pdf”")
    expect(firm.get_by_test_id("attachments")).to_contain_text("产品白皮书.pdf")
    upload.set_input_files(
        {"name": "伪装.pdf", "mimeType": "application/pdf", "buffer": files.png()}
    )
    firm.get_by_role("button", name="上传").click()
    expect(firm.locator(".error")).to_contain_text("与扩展名“.pdf”不符")
    expect(firm.get_by_test_id("attachments").locator("tbody tr")).to_have_count(1)
    with firm.expect_download() as download:
        firm.get_by_role("link", name="产品白皮书.pdf").click()
    assert download.value.suggested_filename == "产品白皮书.pdf"
    firm.get_by_role("button", name="删除").click()
    expect(flash(firm)).to_contain_text("附件已删除")
    expect(firm.get_by_test_id("attachments")).to_have_count(0)
