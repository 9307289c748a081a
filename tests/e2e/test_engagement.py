"""An engagement in a real browser, from application to a published excellent case.

The demo firm applies to a demo scenario with an attachment (a renamed zip is refused first),
the demo publisher downloads it, shortlists the firm and records the contract, the firm marks
it landed, both consent, the administrator publishes the case and an anonymous visitor reads
it, and the public dashboard counts the new contract, its amount and the local firms' share.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from app import clock
from tests import files
from tests.e2e.test_journey import ADMIN_EMAIL, ADMIN_PASSWORD, flash, sign_in

pytestmark = pytest.mark.browser

PUBLISHER = ("publisher@example.com", "Faburen-2026-Demo")
FIRM = ("firm@example.com", "Qiye-2026-Demo")
FIRM_NAME = "浪潮软件股份有限公司"
SCENARIO = "公共数据资源目录治理与质量核查"
RESULT = "数据目录完整率提升到百分之九十八"
ATTACHMENT = "数据治理方案.pdf"


def open_scenario(page: Page) -> None:
    page.goto(f"/scenarios?q={SCENARIO}")
    page.get_by_role("link", name=SCENARIO).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SCENARIO)


def dashboard_figures(page: Page) -> tuple[int, float, float]:
    """Contracts, their amount (万元) and the local share (%) on the public dashboard."""
    page.goto("/dashboard")
    contracts = int(page.get_by_test_id("fig-contracts").inner_text())
    amount = float(page.get_by_test_id("fig-amount").inner_text())
    share = page.get_by_test_id("fig-local-share").inner_text().rstrip("%")
    return contracts, amount, float(share) if share != "—" else 0.0


def test_apply_shortlist_sign_land_and_publish_a_case(new_person: Callable[[], Page]) -> None:
    today = clock.today().isoformat()
    visitor = new_person()
    contracts, amount, share = dashboard_figures(visitor)
    local_contracts = round(share * contracts / 100)

    firm = new_person()
    sign_in(firm, *FIRM)
    open_scenario(firm)
    firm.get_by_role("link", name="揭榜/申请对接").click()
    firm.get_by_label("申请说明").fill("我们的数据治理平台已在多个地市上线，可两个月完成目录核查。")
    attachment = firm.get_by_label("附件（可选）")
    expect(firm.get_by_test_id("apply-form")).to_contain_text("仅支持 PDF、DOCX 或 PPTX 格式")
    # a zip renamed .docx is refused by its content, and the application is not made
    attachment.set_input_files(
        {"name": "方案.docx", "mimeType": "application/zip", "buffer": files.plain_zip()}
    )
    firm.get_by_role("button", name="提交申请").click()
    expect(firm.get_by_test_id("apply-form")).to_contain_text("内容不是有效的Word 文档（docx）")
    firm.get_by_label("附件（可选）").set_input_files(
        {"name": ATTACHMENT, "mimeType": "application/pdf", "buffer": files.pdf()}
    )
    firm.get_by_role("button", name="提交申请").click()
    expect(firm).to_have_url(re.compile(r"/engagements/\d+$"))
    expect(flash(firm)).to_contain_text("申请已提交")
    engagement_url = firm.url

    publisher = new_person()
    sign_in(publisher, *PUBLISHER)
    expect(publisher.get_by_test_id("unread-count")).to_be_visible()
    open_scenario(publisher)
    publisher.get_by_role("link", name="查看申请单位").click()
    applicant = publisher.locator("article.applicant", has_text=FIRM_NAME)
    expect(applicant).to_contain_text("匹配度")
    applicant.get_by_role("button", name="入围").click()
    expect(flash(publisher)).to_contain_text("已入围")
    expect(
        publisher.locator("article.applicant", has_text=FIRM_NAME).get_by_test_id("shortlisted")
    ).to_be_visible()

    publisher.goto(engagement_url)
    with publisher.expect_download() as download:
        publisher.get_by_test_id("attachment").click()
    assert download.value.suggested_filename == ATTACHMENT
    publisher.get_by_test_id("move-negotiating").get_by_role("button", name="进入洽谈").click()
    expect(publisher.get_by_test_id("stage")).to_have_text("洽谈中")
    signing = publisher.get_by_test_id("move-signed")
    # the browser itself refuses a negative amount (the server does too: integration tests)
    expect(signing.get_by_label("合同金额（万元）")).to_have_attribute("min", "0.01")
    signing.get_by_label("合同金额（万元）").fill("168")
    signing.get_by_label("签约日期").fill(today)
    signing.get_by_role("button", name="确认签约").click()
    expect(publisher.get_by_test_id("stage")).to_have_text("已签约")
    expect(publisher.get_by_test_id("contract-amount")).to_have_text("168 万元")
    expect(publisher.get_by_test_id("move-landed")).to_have_count(0)  # the firm marks landed

    firm.goto(engagement_url)
    landing = firm.get_by_test_id("move-landed")
    landing.get_by_label("上线日期").fill(today)
    landing.get_by_label("落地成效").fill(RESULT)
    landing.get_by_role("button", name="确认落地").click()
    expect(firm.get_by_test_id("stage")).to_have_text("已落地")
    expect(firm.get_by_test_id("timeline")).to_contain_text("已签约 → 已落地")

    admin = new_person()
    sign_in(admin, ADMIN_EMAIL, ADMIN_PASSWORD)
    admin.goto("/review/engagements?stage=landed")
    admin.get_by_test_id("engagement-list").get_by_role("link", name=SCENARIO).click()
    admin.get_by_role("link", name="整理为优秀案例").click()
    expect(admin.get_by_label("应用成效")).to_have_value(RESULT)
    admin.get_by_role("button", name="保存案例草稿").click()
    expect(admin).to_have_url(re.compile(r"/cases/\d+$"))
    case_url = admin.url
    expect(admin.get_by_role("button", name="发布案例")).to_have_count(0)  # no consents yet

    for person in (publisher, firm):
        person.goto(case_url)
        person.get_by_role("button", name="同意发布").click()
        expect(flash(person)).to_contain_text("已同意发布")

    admin.goto(case_url)
    admin.get_by_role("button", name="发布案例").click()
    expect(flash(admin)).to_contain_text("案例已公开发布")

    visitor.goto("/cases?q=目录治理")
    visitor.get_by_test_id("case-list").get_by_role("link", name=SCENARIO).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(SCENARIO)
    expect(visitor.get_by_test_id("case-body")).to_contain_text(RESULT)
    expect(visitor.locator(".facts")).to_contain_text(FIRM_NAME)

    # the contract of a local firm shows on the public dashboard
    after = dashboard_figures(visitor)
    assert after[0] == contracts + 1
    assert after[1] == pytest.approx(amount + 168)
    assert after[2] == pytest.approx(100 * (local_contracts + 1) / (contracts + 1), abs=0.05)
