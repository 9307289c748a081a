"""Exports: the public lists with their filters, and the administrators' review lists."""

from __future__ import annotations

import io

from flask.testing import FlaskClient
from openpyxl import load_workbook

from app.models import ListingStatus, Role
from tests.conftest import login
from tests.factories import make_capability, make_org, make_scenario


def sheet_of(response):
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    disposition = response.headers["Content-Disposition"]
    assert "attachment" in disposition
    assert "filename*=UTF-8''" in disposition
    disposition.encode("latin-1")  # HTTP headers must be latin-1: the Chinese name is encoded
    return load_workbook(io.BytesIO(response.data)).worksheets[0]


def titles(sheet) -> list[str]:
    return [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_the_scenario_export_follows_the_list_filters(client: FlaskClient) -> None:
    org = make_org(Role.PUBLISHER)
    make_scenario(org, title="交通信号配时优化", domain="智慧交通")
    make_scenario(org, title="医保智能审核系统", domain="智慧医疗")
    make_scenario(org, title="未发布的交通草稿", domain="智慧交通", status=ListingStatus.DRAFT)
    sheet = sheet_of(client.get("/exports/scenarios.xlsx?domain=智慧交通"))
    assert sheet["B1"].value == "场景名称"
    assert titles(sheet) == ["交通信号配时优化"]
    assert titles(sheet_of(client.get("/exports/scenarios.xlsx?q=医保"))) == ["医保智能审核系统"]
    assert len(titles(sheet_of(client.get("/exports/scenarios.xlsx")))) == 2


def test_exports_mask_phones_for_everyone_the_logged_reveal_is_the_only_way(
    client: FlaskClient, firm
) -> None:
    make_scenario(make_org(Role.PUBLISHER), contact_phone="13805310001")
    phone_column = 15
    assert (
        sheet_of(client.get("/exports/scenarios.xlsx")).cell(2, phone_column).value == "138****0001"
    )
    # an approved firm sees a number only by pressing 查看联系方式, which is logged; a
    # spreadsheet of every listing would bypass that log
    login(client, firm)
    assert (
        sheet_of(client.get("/exports/scenarios.xlsx")).cell(2, phone_column).value == "138****0001"
    )


def test_the_capability_export_follows_the_list_filters(client: FlaskClient) -> None:
    make_capability(make_org(Role.FIRM), title="道路病害识别", domains=["智慧交通"])
    make_capability(make_org(Role.FIRM), title="病历质控平台", domains=["智慧医疗"])
    sheet = sheet_of(client.get("/exports/capabilities.xlsx?domain=智慧医疗"))
    assert titles(sheet) == ["病历质控平台"]


def test_text_that_looks_like_a_formula_stays_text(client: FlaskClient) -> None:
    make_scenario(make_org(Role.PUBLISHER), title='=HYPERLINK("http://x")测试')
    cell = sheet_of(client.get("/exports/scenarios.xlsx")).cell(2, 2)
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://x")测试'


def test_the_review_exports_list_what_waits_for_review(client: FlaskClient, admin) -> None:
    org = make_org(Role.PUBLISHER)
    make_scenario(org, title="待审核的场景一", status=ListingStatus.PENDING)
    make_scenario(org, title="已发布的场景")
    make_capability(make_org(Role.FIRM), title="待审核的能力一", status=ListingStatus.PENDING)
    login(client, admin)
    assert titles(sheet_of(client.get("/exports/review/scenarios.xlsx"))) == ["待审核的场景一"]
    assert titles(sheet_of(client.get("/exports/review/capabilities.xlsx"))) == ["待审核的能力一"]
    assert "/exports/review/scenarios.xlsx" in client.get("/review/listings").text
