"""场景答疑 in a real browser: the demo firm asks and follows, the demo publisher answers, and a
visitor reads the answer on the scenario page without learning who asked."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_engagement import FIRM, FIRM_NAME, PUBLISHER, SCENARIO, open_scenario
from tests.e2e.test_journey import flash, sign_in

pytestmark = pytest.mark.browser

QUESTION = "系统是否需要与现有的政务数据共享交换平台对接？"
ANSWER = "需要对接，接口规范将在签约后提供。"


def test_a_firm_asks_the_publisher_answers_and_a_visitor_reads_it(
    new_person: Callable[[], Page],
) -> None:
    firm = new_person()
    sign_in(firm, *FIRM)
    open_scenario(firm)
    section = firm.get_by_test_id("questions")
    section.get_by_role("button", name="关注此场景").click()
    expect(flash(firm)).to_contain_text("已关注")
    firm.get_by_test_id("ask-form").get_by_label("问题").fill(QUESTION)
    firm.get_by_role("button", name="提交问题").click()
    expect(firm).to_have_url(re.compile(r"/my/questions$"))
    expect(flash(firm)).to_contain_text("问题已提交")
    expect(firm.get_by_test_id("question-list")).to_contain_text("待答复")

    publisher = new_person()
    sign_in(publisher, *PUBLISHER)
    publisher.goto("/my/questions")
    row = publisher.get_by_test_id("question-list").locator("tr", has_text=QUESTION)
    expect(row).not_to_contain_text(FIRM_NAME)
    row.get_by_role("link", name="答复").click()
    publisher.get_by_label("答复").fill(ANSWER)
    publisher.get_by_role("button", name="公开答复").click()
    expect(flash(publisher)).to_contain_text("答复已公开")

    visitor = new_person()
    open_scenario(visitor)
    answered = visitor.get_by_test_id("answered-questions")
    expect(answered).to_contain_text(QUESTION)
    expect(answered).to_contain_text(ANSWER)
    expect(answered).to_contain_text("答复时间")
    expect(visitor.get_by_test_id("questions")).not_to_contain_text(FIRM_NAME)
    expect(visitor.get_by_test_id("questions-login")).to_contain_text("登录后提问")
    assert SCENARIO in visitor.title()
