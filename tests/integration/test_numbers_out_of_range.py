"""Numbers a user sends (amounts, years, ids, versions) that no column can hold, or that are
not plain numbers, answer a message, never a 500 (PostgreSQL integers are 32-bit)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app.excel import services as excel
from app.extensions import db
from app.models import Capability, ListingStatus, Scenario, User
from app.paging import MAX_ID, parse_id
from tests.conftest import login
from tests.factories import make_batch, make_capability, make_engagement, make_scenario
from tests.integration.test_engagements import move
from tests.integration.test_excel_import import capability_row, workbook_bytes
from tests.integration.test_listings import capability_form, scenario_form

HUGE = "9" * 25  # beyond a 64-bit integer
WEIRD = ["²", "٣", "1e5", "-1", " ", HUGE, "9" * 5000]  # 5,000 digits: int() refuses them


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1", 1), (" 42 ", 42), (str(MAX_ID), MAX_ID), (str(MAX_ID + 1), None), ("0", None)]
    + [(w, None) for w in WEIRD],
)
def test_ids_people_send_are_plain_digits_within_an_integer_column(
    text: str, expected: int | None
) -> None:
    assert parse_id(text) == expected


@pytest.mark.parametrize("budget", ["1e999999", HUGE, "NaN", "sNaN", "Infinity", "-0.01"])
def test_a_budget_out_of_range_is_a_field_message(
    client: FlaskClient, publisher: User, budget: str
) -> None:
    login(client, publisher)
    page = client.post("/my/scenarios/new", data=scenario_form(budget_wan=budget))
    assert page.status_code == 200
    assert "预算" in page.text
    assert db.session.scalar(sa.select(sa.func.count(Scenario.id))) == 0


@pytest.mark.parametrize("year", [HUGE, "²⁰²⁴", "-2024", "9" * 5000])
def test_a_reference_case_year_out_of_range_is_a_field_message(
    client: FlaskClient, firm: User, year: str
) -> None:
    login(client, firm)
    page = client.post("/my/capabilities/new", data=capability_form(case_year=year))
    assert page.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(Capability.id))) == 0


@pytest.mark.parametrize("amount", [HUGE, "sNaN", "NaN", "1e999999"])
def test_a_contract_amount_out_of_range_is_a_field_message(
    client: FlaskClient, publisher: User, firm: User, amount: str
) -> None:
    engagement = make_engagement(publisher, firm)
    login(client, publisher)
    move(client, engagement, "negotiating")
    db.session.refresh(engagement)
    page = move(
        client, engagement, "signed", contract_amount_wan=amount, contract_date="2026-12-01"
    )
    assert page.status_code == 200
    assert "合同金额" in page.text
    db.session.refresh(engagement)
    assert engagement.contract_amount_wan is None


@pytest.mark.parametrize("version", WEIRD)
def test_a_forged_listing_version_is_not_a_500(
    client: FlaskClient, firm: User, version: str
) -> None:
    capability = make_capability(firm.organization, ListingStatus.DRAFT)
    login(client, firm)
    response = client.post(
        f"/my/capabilities/{capability.id}/edit", data=capability_form(lock_version=version)
    )
    assert response.status_code in (200, 302)


@pytest.mark.parametrize("version", WEIRD)
def test_a_forged_version_in_a_review_decision_is_not_a_500(
    client: FlaskClient, admin: User, publisher: User, version: str
) -> None:
    scenario = make_scenario(publisher.organization, ListingStatus.PENDING)
    login(client, admin)
    response = client.post(
        f"/review/scenarios/{scenario.id}/decide",
        data={"decision": "reject", "reason": "请补充", "lock_version": version},
    )
    assert response.status_code == 302


@pytest.mark.parametrize("listing_id", [str(MAX_ID + 1), HUGE, "²", "9" * 5000])
def test_a_batch_listing_id_no_row_can_have_is_a_message(
    client: FlaskClient, admin: User, publisher: User, listing_id: str
) -> None:
    scenario = make_scenario(publisher.organization)
    batch = make_batch(admin, [scenario.id])
    login(client, admin)
    response = client.post(
        f"/batches/{batch.id}/edit",
        data={"title": "第一批场景", "listing": [str(scenario.id), listing_id]},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "所选内容包含无效的编号" in response.text


@pytest.mark.parametrize("key", [f"scenario:{HUGE}:1", "scenario:1:²", f"scenario:{MAX_ID + 1}:1"])
def test_bulk_review_keys_no_row_can_have_are_not_a_500(
    client: FlaskClient, admin: User, key: str
) -> None:
    login(client, admin)
    response = client.post("/review/listings/bulk", data={"items": [key]})
    assert response.status_code == 302


@pytest.mark.parametrize("org", [HUGE, "²", str(MAX_ID + 1)])
def test_the_review_queue_ignores_an_organisation_filter_no_row_can_have(
    client: FlaskClient, admin: User, org: str
) -> None:
    login(client, admin)
    assert client.get(f"/review/listings?org={org}").status_code == 200


@pytest.mark.parametrize("capability_id", [HUGE, str(MAX_ID + 1), "²"])
def test_an_application_naming_a_capability_no_row_can_have_is_a_field_message(
    client: FlaskClient, publisher: User, firm: User, capability_id: str
) -> None:
    scenario = make_scenario(publisher.organization)
    login(client, firm)
    page = client.post(
        f"/scenarios/{scenario.id}/apply",
        data={"proposal": "我们的系统已在三个区县落地。", "capability_id": capability_id},
    )
    assert page.status_code == 200


def test_a_spreadsheet_year_in_other_digits_is_a_row_problem(firm: User) -> None:
    data = workbook_bytes("capability", [capability_row(1, 案例年份="²⁰²⁴")])
    [row] = excel.check(data, "capability", firm).rows
    assert ("案例年份", "“²⁰²⁴”不是1990至2100之间的年份。") in row.problems
