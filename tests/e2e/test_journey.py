"""The whole journey in a real browser: register, review, publish, match, recommend.

Four people, each in a browser context of their own: a new digital firm, a new scenario
publisher, the demo administrator (seed/demo/users.json) and an anonymous visitor.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pyotp
import pytest
from playwright.sync_api import Locator, Page, expect

from app import clock
from app.config import ROOT
from app.validators import uscc_check_char

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / "docs" / "screenshots"
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "Shenhe-2026-Demo"
PASSWORD = "Bridge2026go"


@dataclass(frozen=True)
class Account:
    """A person registering an organisation."""

    role_label: str  # the registration radio
    org_name: str
    org_kind: str
    district: str
    name: str
    phone: str
    email: str
    uscc: str | None = None


def fresh_uscc() -> str:
    """A fictional, valid USCC that no demo firm uses."""
    used = {f["uscc"] for f in json.loads((ROOT / "seed/demo/firms.json").read_text("utf-8"))}
    for n in range(20261121, 20261121 + 1000):
        body = f"91370100{n:09d}"
        if (code := body + uscc_check_char(body)) not in used:
            return code
    raise AssertionError("no free USCC")


# ---------------------------------------------------------------- helpers


def flash(page: Page, category: str = "success") -> Locator:
    """The flash messages of one category."""
    return page.locator(f".flash-{category}")


def register(page: Page, who: Account) -> None:
    """Fill in /auth/register and land on the workspace."""
    page.goto("/auth/register")
    page.get_by_role("radio", name=who.role_label).check()
    page.get_by_label("单位名称", exact=True).fill(who.org_name)
    page.get_by_label("单位性质", exact=True).select_option(who.org_kind)
    if who.uscc:
        page.get_by_label("统一社会信用代码", exact=True).fill(who.uscc)
    page.get_by_label("所在区县", exact=True).select_option(who.district)
    expect(page.get_by_label("本地单位", exact=False)).to_be_checked()
    page.get_by_label("单位简介", exact=True).fill(f"{who.org_name}，端到端测试注册的单位。")
    page.get_by_label("联系人姓名", exact=True).fill(who.name)
    page.get_by_label("联系电话", exact=True).fill(who.phone)
    page.get_by_label("登录邮箱", exact=True).fill(who.email)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("确认密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="提交注册").click()
    expect(page).to_have_url(re.compile(r"/my/$"))
    expect(flash(page)).to_contain_text("注册成功")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"工作台 · {who.org_name}")
    expect(page.get_by_test_id("org-status")).to_have_text("待审核")


def sign_in(page: Page, email: str, password: str) -> None:
    """Sign in through the form (staff: and the code of their demo second factor)."""
    page.goto("/auth/login")
    page.get_by_label("登录邮箱", exact=True).fill(email)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    if email in DEMO_TOTP:
        expect(page).to_have_url(re.compile(r"/auth/second-factor$"))
        page.get_by_label("动态验证码", exact=True).fill(totp_code(email))
        page.get_by_role("button", name="验证并登录").click()
    expect(flash(page)).to_contain_text("欢迎")


# the demo staff's published second factors (seed/demo/users.json)
DEMO_TOTP = {
    rec["email"]: rec["totp_secret"]
    for rec in json.loads((ROOT / "seed" / "demo" / "users.json").read_text(encoding="utf-8"))
    if rec.get("totp_secret")
}
_last_step: dict[str, int] = {}


def totp_code(email: str) -> str:
    """A code not used before: the server refuses a step already used (replay)."""
    step = max(int(time.time() // 30), _last_step.get(email, -1) + 1)
    while step > int(time.time() // 30) + 1:  # a step ahead is accepted; further is not yet
        time.sleep(1)
    _last_step[email] = step
    return pyotp.TOTP(DEMO_TOTP[email]).at(step * 30)


def decide(item: Locator, choice: str) -> None:
    """Pick a decision in a review item and submit it."""
    item.get_by_role("radio", name=choice, exact=True).check()
    item.get_by_role("button", name="提交审核结果").click()


def approve_organization(admin: Page, org_name: str) -> None:
    """单位审核: approve one pending organisation."""
    admin.goto("/review/")
    admin.get_by_role("navigation", name="审核中心").get_by_role("link", name="单位审核").click()
    item = admin.locator("article.review-item").filter(
        has=admin.get_by_role("heading", name=org_name, exact=True)
    )
    decide(item, "通过")
    expect(flash(admin)).to_contain_text(f"单位“{org_name}”已通过。")
    expect(item).to_have_count(0)


def approve_listing(admin: Page, title: str, noun: str) -> None:
    """内容审核: publish one pending scenario or capability."""
    admin.goto("/review/")
    admin.get_by_role("navigation", name="审核中心").get_by_role("link", name="内容审核").click()
    item = admin.locator("article.review-item").filter(
        has=admin.get_by_role("heading", name=title, exact=True)
    )
    expect(item.locator(".badge-warn")).to_have_count(0)  # the organisation is approved
    decide(item, "通过并发布")
    expect(flash(admin)).to_contain_text(f"{noun}“{title}”已通过。")
    expect(item).to_have_count(0)


def enter_date(field: Locator, day: date) -> None:
    """Type a date into a native <input type=date> from the keyboard, as a person would.

    Headless Chromium lays the field out as 月/日/年 (mm/dd/yyyy) whatever the page's locale;
    should another build order the parts differently, fall back to Playwright's ISO fill.
    """
    expect(field).to_have_attribute("type", "date")
    field.focus()
    field.press_sequentially(day.strftime("%m%d%Y"))
    if field.input_value() != day.isoformat():
        field.fill(day.isoformat())
    expect(field).to_have_value(day.isoformat())


def check_all(group: Locator, *names: str) -> None:
    """Tick checkboxes by their labels inside one checkbox list."""
    for name in names:
        group.get_by_label(name, exact=True).check()


# ---------------------------------------------------------------- what they write

CAPABILITY = {
    "title": "桥梁结构健康监测系统",
    "description": (
        "面向城市桥梁和高架的结构健康监测系统：在主梁、桥墩和拉索上布设应变传感器、加速度计、"
        "挠度仪、裂缝计和索力传感器，经物联网网关实时回传，构建桥梁数字孪生模型，"
        "自动分析应力、挠度、裂缝宽度和索力变化，超过阈值即时预警，为桥梁养护提供依据。"
    ),
    "keywords": "桥梁监测、应变传感器、挠度、裂缝、索力、物联网网关、数字孪生、桥梁养护、预警",
}

SCENARIO = {
    "title": "城市桥梁安全运行监测",
    "description": (
        "全区城市桥梁和人行天桥数量多、桥龄长，目前主要靠人工定期检查，"
        "难以及时发现结构隐患，检查记录分散，无法实时掌握桥梁安全状况。"
    ),
    "needs": (
        "希望对重点桥梁布设传感器，实时掌握桥梁应力、挠度、裂缝和索力变化，"
        "超过阈值自动预警，形成桥梁安全监测和养护管理平台。"
    ),
    "expected": "重点桥梁实现全天候监测，结构隐患早发现、早处置。",
}


def create_capability(firm: Page) -> None:
    """The firm writes a capability as a draft and submits it for review."""
    firm.goto("/my/")
    firm.get_by_role("link", name="发布新能力").click()
    firm.get_by_label("能力名称", exact=True).fill(CAPABILITY["title"])
    firm.get_by_label("能力类型", exact=True).select_option("解决方案")
    firm.get_by_label("成熟度", exact=True).select_option("试点应用")
    check_all(firm.locator("#domains"), "城市治理", "公共安全应急")
    check_all(firm.locator("#tags"), "物联网", "数字孪生")
    firm.get_by_label("能力介绍", exact=True).fill(CAPABILITY["description"])
    firm.get_by_label("关键词", exact=True).fill(CAPABILITY["keywords"])
    firm.get_by_role("button", name="保存草稿").click()
    expect(flash(firm)).to_contain_text("能力已保存为草稿")
    expect(firm.get_by_role("heading", level=1)).to_have_text(CAPABILITY["title"])
    expect(firm.locator(".owner-panel")).to_contain_text("草稿")
    firm.get_by_role("button", name="提交审核").click()
    expect(flash(firm)).to_contain_text("已提交审核")
    expect(firm.locator(".owner-panel")).to_contain_text("待审核")


def create_scenario(publisher: Page, deadline: date) -> None:
    """The publisher writes a scenario as a draft and submits it for review."""
    publisher.goto("/my/")
    publisher.get_by_role("link", name="发布新场景").click()
    publisher.get_by_label("场景名称", exact=True).fill(SCENARIO["title"])
    publisher.get_by_label("应用领域", exact=True).select_option("城市治理")
    publisher.get_by_label("所在区县", exact=True).select_option("历城区")
    publisher.get_by_label("开放方式", exact=True).select_option("揭榜挂帅")
    publisher.get_by_label("预算（万元）", exact=True).fill("300")
    enter_date(publisher.get_by_label("申报截止日期", exact=True), deadline)
    publisher.get_by_label("现状与痛点", exact=True).fill(SCENARIO["description"])
    publisher.get_by_label("建设需求", exact=True).fill(SCENARIO["needs"])
    publisher.get_by_label("预期成效", exact=True).fill(SCENARIO["expected"])
    check_all(publisher.locator("#tags"), "物联网", "数字孪生")
    publisher.get_by_label("联系人", exact=True).fill("赵科长")
    publisher.get_by_label("联系电话", exact=True).fill("0531-88886666")
    publisher.get_by_role("button", name="保存草稿").click()
    expect(flash(publisher)).to_contain_text("场景已保存为草稿")
    expect(publisher.get_by_role("heading", level=1)).to_have_text(SCENARIO["title"])
    expect(publisher.locator("dl.facts")).to_contain_text(deadline.isoformat())
    publisher.get_by_role("button", name="提交审核").click()
    expect(flash(publisher)).to_contain_text("已提交审核")
    expect(publisher.locator(".owner-panel")).to_contain_text("待审核")


# ---------------------------------------------------------------- the journey


def test_scenario_meets_capability_through_review(new_person: Callable[[], Page]) -> None:
    firm_account = Account(
        role_label="数字企业（发布能力）",
        org_name="济南泉城桥安智能科技有限公司",
        org_kind="民营企业",
        district="济南高新区",
        name="周工",
        phone="13905318888",
        email="zhou@qiaoan.example.com",
        uscc=fresh_uscc(),
    )
    publisher_account = Account(
        role_label="场景发布单位（发布场景）",
        org_name="济南市历城区城市管理局",
        org_kind="政府部门",
        district="历城区",
        name="赵科长",
        phone="0531-88886666",
        email="zhao@lcgl.example.com",
    )

    # b, c. two organisations register and wait for review
    firm = new_person()
    register(firm, firm_account)
    publisher = new_person()
    register(publisher, publisher_account)

    # d. the demo administrator approves both
    admin = new_person()
    sign_in(admin, ADMIN_EMAIL, ADMIN_PASSWORD)
    expect(admin).to_have_url(re.compile(r"/review/$"))
    approve_organization(admin, firm_account.org_name)
    approve_organization(admin, publisher_account.org_name)
    firm.goto("/my/")
    expect(firm.get_by_test_id("org-status")).to_have_text("已通过")

    # e, f. each writes a listing and submits it
    create_capability(firm)
    create_scenario(publisher, deadline=clock.today() + timedelta(days=90))

    # g. the capability is published first, then the scenario; a job queues its pairs
    approve_listing(admin, CAPABILITY["title"], "能力")
    approve_listing(admin, SCENARIO["title"], "场景")
    expect(flash(admin, "info")).to_contain_text("正在后台为其生成推荐匹配")

    # h. the publisher sees the firm's capability among the engine's suggestions
    publisher.goto("/my/")
    publisher.get_by_role("link", name=SCENARIO["title"], exact=True).click()
    expect(publisher.locator(".owner-panel")).to_contain_text("已发布")
    recommendations = publisher.locator("#recommendations")
    expect(recommendations.get_by_role("heading", name="智能匹配能力")).to_be_visible()
    suggestion = recommendations.get_by_test_id("suggestion").filter(
        has=publisher.get_by_role("link", name=CAPABILITY["title"], exact=True)
    )
    expect(suggestion).to_have_count(1)
    expect(suggestion).to_contain_text(firm_account.org_name)
    expect(suggestion.get_by_test_id("match-level")).to_have_text(
        re.compile(r"高度匹配|较为匹配|可能相关")
    )
    expect(suggestion.locator(".reasons").first).to_contain_text("推荐理由：共同关键词")
    explanation = suggestion.locator(".explanation")
    expect(explanation.locator("mark").filter(has_text="桥梁")).not_to_have_count(0)
    expect(explanation.locator("mark").filter(has_text="挠度")).to_have_count(1)
    explanation.get_by_text("评分构成").click()  # each signal's share, folded by default
    expect(explanation.locator(".parts")).to_contain_text("关键词相似")
    suggestion.locator(".level-number summary").click()  # the number behind the level
    number = suggestion.locator(".level-number").inner_text()
    probability = int(re.search(r"估计相关概率 (\d+)%", number).group(1))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    publisher.screenshot(path=str(SCREENSHOTS / "recommendations.png"), full_page=True)

    # i. the administrator pushes the pair to both sides from the match queue
    admin.goto("/review/")
    admin.get_by_role("navigation", name="审核中心").get_by_role(
        "link", name="推荐匹配审核"
    ).click()
    admin.get_by_label("最低估计相关概率").fill(f"{max(probability - 5, 0) / 100:.2f}")
    admin.get_by_role("button", name="筛选").click()
    pair = (
        admin.locator("article.match")
        .filter(has=admin.get_by_role("heading", name=f"场景：{SCENARIO['title']}", exact=True))
        .filter(has=admin.get_by_role("heading", name=f"能力：{CAPABILITY['title']}", exact=True))
    )
    expect(pair).to_have_count(1)
    expect(pair.locator(".explanation mark").filter(has_text="桥梁")).not_to_have_count(0)
    pair.get_by_text("评分构成").click()
    expect(pair.locator(".explanation .parts")).to_contain_text("关键词相似")
    decide(pair, "推荐给双方")
    expect(flash(admin)).to_contain_text("该推荐已通过。")

    # j. both workspaces now show the platform's recommendation
    for person, other in ((firm, SCENARIO["title"]), (publisher, CAPABILITY["title"])):
        person.goto("/my/")
        platform = person.get_by_test_id("platform-recommendations")
        expect(platform).to_contain_text(SCENARIO["title"])
        expect(platform).to_contain_text(other)
        expect(platform).to_contain_text(f"{publisher_account.org_name} ⇄ {firm_account.org_name}")

    # k. an anonymous visitor finds the new scenario on the home page
    visitor = new_person()
    visitor.goto("/")
    expect(visitor.get_by_role("heading", name="为场景找产品，为产品找场景")).to_be_visible()
    latest = visitor.locator("section").filter(
        has=visitor.get_by_role("heading", name="最新场景机会")
    )
    expect(latest.get_by_role("link", name=SCENARIO["title"], exact=True)).to_be_visible()
    expect(visitor.get_by_role("link", name="登录", exact=True)).to_be_visible()
    visitor.screenshot(path=str(SCREENSHOTS / "home.png"), full_page=True)
