"""NUL and other control characters are refused in every text input, never stored."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app.excel import services as excel
from app.extensions import db
from app.models import Capability, ListingStatus, Organization, SavedSearch, Scenario, User
from app.validators import has_control_chars
from tests.conftest import login
from tests.factories import make_capability, make_scenario
from tests.integration.test_auth import form as registration
from tests.integration.test_excel_import import scenario_row, workbook_bytes
from tests.integration.test_listings import capability_form

REFUSED = "不能包含控制字符"


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f"])
def test_control_characters_are_recognised(char: str) -> None:
    assert has_control_chars(f"正常{char}文本")


@pytest.mark.parametrize("text", ["制表\t符", "换行\n文本", "回车\r\n换行", "普通文字 ABC 123"])
def test_tab_and_line_breaks_are_text(text: str) -> None:
    assert not has_control_chars(text)


def test_registration_refuses_a_nul_in_the_organisation_name(client: FlaskClient) -> None:
    page = client.post("/auth/register", data=registration(org_name="济南示例\x00科技有限公司"))
    assert page.status_code == 200
    assert f"单位名称{REFUSED}" in page.text
    assert db.session.scalar(sa.select(sa.func.count(Organization.id))) == 0


def test_a_listing_edit_refuses_control_characters_and_keeps_what_was_saved(
    client: FlaskClient, firm: User
) -> None:
    capability = make_capability(firm.organization, ListingStatus.DRAFT)
    before = capability.description
    login(client, firm)
    page = client.post(
        f"/my/capabilities/{capability.id}/edit",
        data=capability_form(
            description="包含控制字符\x1b[31m 的能力介绍，足够二十个字以上的长度。"
        ),
    )
    assert page.status_code == 200
    assert REFUSED in page.text
    assert db.session.get(Capability, capability.id).description == before


def test_a_reference_case_row_refuses_control_characters(client: FlaskClient, firm: User) -> None:
    login(client, firm)
    page = client.post("/my/capabilities/new", data=capability_form(case_client="某市\x00医院"))
    assert REFUSED in page.text
    assert db.session.scalar(sa.select(sa.func.count(Capability.id))) == 0


def test_a_review_reason_with_a_nul_is_refused(
    client: FlaskClient, admin: User, publisher: User
) -> None:
    scenario = make_scenario(publisher.organization, ListingStatus.PENDING)
    login(client, admin)
    page = client.post(
        f"/review/scenarios/{scenario.id}/decide",
        data={"decision": "reject", "reason": "请补充\x00预算依据"},
        follow_redirects=True,
    )
    assert REFUSED in page.text
    assert db.session.get(Scenario, scenario.id).status is ListingStatus.PENDING


def test_a_spreadsheet_cell_with_a_control_character_is_a_row_problem(publisher: User) -> None:
    # XML 1.0 carries DEL (the other C0 characters cannot appear in a well-formed sheet)
    data = workbook_bytes("scenario", [scenario_row(1, 联系人="王\x7f工"), scenario_row(2)])
    preview = excel.check(data, "scenario", publisher)
    [bad, good] = preview.rows
    assert bad.status == "error"
    assert ("联系人", f"{REFUSED}（如 NUL 等不可见字符），请删除后重新输入。") in bad.problems
    assert good.status == "ok"


@pytest.mark.parametrize(
    "path", ["/scenarios?q=%00", "/capabilities?q=a%01b", "/scenarios?domain=%7F", "/cases/?q=%00"]
)
def test_search_words_and_filters_with_control_characters_answer_400(
    client: FlaskClient, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 400
    assert "搜索词和筛选条件不能包含控制字符" in response.text


def test_a_saved_search_with_a_control_character_is_refused(
    client: FlaskClient, firm: User
) -> None:
    login(client, firm)
    response = client.post("/my/searches/", data={"side": "scenario", "query": "q=%E5%B7%A1%00"})
    assert response.headers["Location"] == "/my/searches/"
    assert "搜索条件不能包含控制字符" in client.get("/my/searches/").text
    assert db.session.scalar(sa.select(sa.func.count(SavedSearch.id))) == 0
