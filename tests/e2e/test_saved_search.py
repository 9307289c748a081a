"""Saved search in a real browser: a firm keeps a search, a new scenario is published, the firm
is told and follows the notification to it (demo accounts from seed/demo/users.json)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from app import clock
from tests.e2e.test_journey import approve_listing, check_all, enter_date, flash, sign_in

pytestmark = pytest.mark.browser

FIRM = ("firm@example.com", "Qiye-2026-Demo")
PUBLISHER = ("publisher@example.com", "Faburen-2026-Demo")
ADMIN = ("admin@example.com", "Shenhe-2026-Demo")
TITLE = "地下综合管廊智能巡检"


def save_search(firm: Page) -> None:
    """Search the scenario list for 管廊 in 城市治理 and keep the search."""
    firm.goto("/scenarios")
    firm.get_by_label("关键词", exact=True).fill("管廊 巡检")
    firm.get_by_label("应用领域", exact=True).select_option("城市治理")
    firm.get_by_role("button", name="搜索", exact=True).click()
    expect(firm).to_have_url(re.compile(r"/scenarios\?q="))
    firm.get_by_role("button", name="保存此搜索").click()
    expect(flash(firm)).to_contain_text("已保存搜索“管廊 巡检 · 城市治理”")
    firm.goto("/my/searches/")
    expect(firm.get_by_test_id("saved-search")).to_contain_text("提醒已开启")


def publish_scenario(publisher: Page) -> None:
    """The publisher writes a matching scenario and submits it."""
    publisher.goto("/my/")
    publisher.get_by_role("link", name="发布新场景").click()
    publisher.get_by_label("场景名称", exact=True).fill(TITLE)
    publisher.get_by_label("应用领域", exact=True).select_option("城市治理")
    publisher.get_by_label("所在区县", exact=True).select_option("历下区")
    publisher.get_by_label("开放方式", exact=True).select_option("公开招标")
    publisher.get_by_label("预算（万元）", exact=True).fill("120")
    enter_date(
        publisher.get_by_label("申报截止日期", exact=True), clock.today() + timedelta(days=45)
    )
    publisher.get_by_label("现状与痛点", exact=True).fill(
        "城区地下综合管廊里程长，目前靠人工下井巡检，环境密闭、风险高，异常发现不及时。"
    )
    publisher.get_by_label("建设需求", exact=True).fill(
        "部署轨道式巡检机器人和环境传感器，自动识别渗漏、温湿度和有害气体异常并预警。"
    )
    publisher.get_by_label("预期成效", exact=True).fill("人工下井次数减少八成。")
    check_all(publisher.locator("#tags"), "物联网", "人工智能")
    publisher.get_by_label("联系人", exact=True).fill("钱科长")
    publisher.get_by_label("联系电话", exact=True).fill("0531-88880000")
    publisher.get_by_role("button", name="保存草稿").click()
    expect(flash(publisher)).to_contain_text("场景已保存为草稿")
    publisher.get_by_role("button", name="提交审核").click()
    expect(flash(publisher)).to_contain_text("已提交审核")


def test_a_saved_search_alerts_the_firm_to_a_new_scenario(
    new_person: Callable[[], Page],
) -> None:
    firm, publisher, admin = new_person(), new_person(), new_person()
    sign_in(firm, *FIRM)
    save_search(firm)
    sign_in(publisher, *PUBLISHER)
    publish_scenario(publisher)
    sign_in(admin, *ADMIN)
    approve_listing(admin, TITLE, "场景")

    firm.goto("/scenarios")
    expect(firm.get_by_test_id("unread-count")).to_be_visible()
    firm.get_by_role("link", name=re.compile("消息")).click()
    alert = firm.locator("li.notification.unread").filter(has_text=TITLE)
    expect(alert).to_contain_text("订阅搜索有新结果")
    alert.get_by_role("button", name=re.compile(TITLE)).click()
    expect(firm).to_have_url(re.compile(r"/scenarios/\d+$"))
    expect(firm.get_by_role("heading", level=1)).to_have_text(TITLE)
    # and the list shows it under the saved search, highlighted
    firm.goto("/my/searches/")
    firm.get_by_test_id("saved-search").get_by_role("link").first.click()
    expect(firm.locator("article.card mark").first).to_have_text(re.compile("管廊|巡检"))
