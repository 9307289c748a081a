"""A published scenario is revised in a real browser: the public keeps the reviewed text until
the administrator, who sees the diff, approves; the version history shows what changed."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_journey import ADMIN_EMAIL, ADMIN_PASSWORD, flash, sign_in

pytestmark = pytest.mark.browser

PUBLISHER_EMAIL = "publisher@example.com"
PUBLISHER_PASSWORD = "Faburen-2026-Demo"
PUBLISHER_NAME = "李科长"
ADDED = "（二期扩面）"
EXPECTED = "试点区域扩大到全市主城区，问题发现和处置时间缩短一半。"


def test_a_revision_is_reviewed_before_the_public_sees_it(
    new_person: Callable[[], Page],
) -> None:
    publisher = new_person()
    sign_in(publisher, PUBLISHER_EMAIL, PUBLISHER_PASSWORD)

    # the publisher opens one of its published scenarios and edits it
    publisher.goto("/my/")
    # a seeded scenario no other browser test touches (the first revision of a seeded
    # listing records its published content as version 1)
    publisher.locator("table.table tbody tr").filter(has_text="已发布").filter(
        has_text="市级业务系统信创适配迁移"
    ).get_by_role("link").first.click()
    old_title = publisher.get_by_role("heading", level=1).inner_text()
    detail_url = publisher.url
    new_title = (old_title + ADDED)[:100]
    publisher.locator(".owner-panel").get_by_role("link", name="修改", exact=True).click()
    expect(publisher.get_by_test_id("revision-note")).to_contain_text(
        "审核通过前公开页面仍显示原内容"
    )
    publisher.get_by_label("场景名称", exact=True).fill(new_title)
    publisher.get_by_label("预期成效", exact=True).fill(EXPECTED)
    publisher.get_by_role("button", name="提交修改审核").click()
    expect(flash(publisher)).to_contain_text("修改已提交审核")
    expect(publisher.get_by_test_id("revision-pending")).to_contain_text("修改待审核")

    # the public page still shows the published text
    visitor = new_person()
    visitor.goto(detail_url)
    expect(visitor.get_by_role("heading", level=1)).to_have_text(old_title)
    expect(visitor.get_by_test_id("listing-content")).not_to_contain_text(EXPECTED)

    # the administrator sees the diff in the queue and approves the revision
    admin = new_person()
    sign_in(admin, ADMIN_EMAIL, ADMIN_PASSWORD)
    admin.goto("/review/")
    admin.get_by_role("navigation", name="审核中心").get_by_role("link", name="内容审核").click()
    admin.get_by_label("审核类型").select_option("revised")
    admin.get_by_role("button", name="筛选").click()
    item = admin.locator("article.review-item").filter(
        has=admin.get_by_role("heading", name=old_title, exact=True)
    )
    expect(item).to_have_count(1)
    expect(item).to_contain_text("发布后修改")
    title_row = item.locator('[data-field="title"]')
    expect(title_row.locator("del")).to_have_text(old_title)
    expect(title_row.locator("ins")).to_have_text(new_title)
    expect(item.locator('[data-field="expected"] ins')).to_have_text(EXPECTED)
    item.get_by_role("radio", name="通过修改", exact=True).check()
    item.get_by_role("button", name="提交审核结果").click()
    expect(flash(admin)).to_contain_text(f"场景“{old_title}”已通过。")
    expect(item).to_have_count(0)

    # now the public page shows the new text
    visitor.reload()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(new_title)
    expect(visitor.get_by_test_id("listing-content")).to_contain_text(EXPECTED)

    # the version history shows what changed, who submitted it and who approved it
    publisher.goto(detail_url)
    publisher.locator(".owner-panel").get_by_role("link", name="版本记录").click()
    expect(publisher).to_have_url(re.compile(r"/my/scenarios/\d+/versions$"))
    latest = publisher.get_by_test_id("version-2")
    expect(latest).to_contain_text("已通过")
    expect(latest).to_contain_text(f"提交：{PUBLISHER_NAME}")
    expect(latest).to_contain_text("审核：赵审核")  # the demo 平台审核员
    expect(latest.locator('[data-field="title"] del')).to_have_text(old_title)
    expect(latest.locator('[data-field="title"] ins')).to_have_text(new_title)
    expect(publisher.get_by_test_id("version-1")).to_contain_text("发布时的内容")


def test_a_firm_adds_and_removes_reference_case_rows(page: Page) -> None:
    sign_in(page, "firm@example.com", "Qiye-2026-Demo")
    page.goto("/my/capabilities/new")
    page.get_by_label("能力名称", exact=True).fill("多案例测试能力平台")
    page.get_by_label("能力类型", exact=True).select_option("平台")
    page.get_by_label("成熟度", exact=True).select_option("规模应用")
    page.locator("#domains").get_by_label("智慧政务", exact=True).check()
    page.locator("#tags").get_by_label("大数据", exact=True).check()
    page.get_by_label("能力介绍", exact=True).fill(
        "面向政务数据共享交换的平台，支持目录编制、接口管理和数据质量监测。"
    )
    page.get_by_label("CMMI", exact=True).check()
    rows = page.get_by_test_id("case-row")
    expect(rows).to_have_count(1)
    add = page.get_by_role("button", name="添加案例")
    add.click()
    add.click()
    expect(rows).to_have_count(3)
    rows.nth(2).get_by_role("button", name="删除此案例").click()
    expect(rows).to_have_count(2)
    for i, (client, year) in enumerate([("济南市大数据局", "2023"), ("历城区行政审批局", "2024")]):
        rows.nth(i).get_by_label("案例客户").fill(client)
        rows.nth(i).get_by_label("年份").fill(year)
    page.get_by_role("button", name="保存草稿").click()
    expect(flash(page)).to_contain_text("能力已保存为草稿")
    expect(page.locator("main")).to_contain_text("济南市大数据局")
    expect(page.locator("main")).to_contain_text("历城区行政审批局")
    expect(page.locator("dl.facts")).to_contain_text("CMMI")
