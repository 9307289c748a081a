"""Listing content: budget amounts and ranges, contact e-mail, several cases, qualifications."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Capability, ListingStatus, Scenario, User
from app.recommendations.documents import document
from tests.conftest import login
from tests.factories import make_capability
from tests.integration.test_listings import capability_form, scenario_form


def test_a_budget_range_and_an_email_are_kept_and_shown(
    client: FlaskClient, publisher: User
) -> None:
    login(client, publisher)
    client.post(
        "/my/scenarios/new",
        data=scenario_form(
            budget_wan="100", budget_max_wan="250.5", contact_email="li@example.com"
        ),
    )
    scenario = db.session.scalar(sa.select(Scenario))
    assert (str(scenario.budget_wan), str(scenario.budget_max_wan)) == ("100.00", "250.50")
    assert scenario.contact_email == "li@example.com"
    assert "100–250.5 万元" in client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
    form = client.get(f"/my/scenarios/{scenario.id}/edit").get_data(as_text=True)
    assert 'value="li@example.com"' in form


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"budget_wan": "300", "budget_max_wan": "200"}, "预算上限应不低于预算下限"),
        ({"budget_wan": "", "budget_max_wan": "200"}, "填写预算上限时请同时填写预算下限"),
        ({"budget_max_wan": "-1"}, "预算应在0至100万万元之间"),
        ({"contact_email": "不是邮箱"}, "请输入有效的邮箱地址"),
    ],
)
def test_bad_budget_ranges_and_emails_are_named(
    client: FlaskClient, publisher: User, overrides: dict[str, Any], message: str
) -> None:
    login(client, publisher)
    page = client.post("/my/scenarios/new", data=scenario_form(**overrides)).get_data(as_text=True)
    assert message in page
    assert db.session.scalar(sa.select(sa.func.count(Scenario.id))) == 0


def cases(*rows: tuple[str, str, str]) -> dict[str, str]:
    data: dict[str, str] = {}
    for i, (client_name, year, result) in enumerate(rows):
        data.update(
            {f"cases-{i}-client": client_name, f"cases-{i}-year": year, f"cases-{i}-result": result}
        )
    return data


def test_a_capability_has_several_cases_and_chosen_qualifications(
    client: FlaskClient, firm: User
) -> None:
    login(client, firm)
    data = capability_form(
        case_client="", case_year="", case_result="", qualifications=["CMMI", "ISO 27001"]
    )
    data.update(
        cases(("历下区城管局", "2023", "覆盖12座桥"), ("", "", ""), ("章丘区住建局", "2024", ""))
    )
    data["cases-0-client"] = "历下区城管局"  # the helper's first row is overwritten on purpose
    data["other_qualifications"] = "CMMI5、等保三级测评"
    client.post("/my/capabilities/new", data=data)
    capability = db.session.scalar(sa.select(Capability))
    assert [(c.client, c.year, c.result) for c in capability.cases] == [
        ("历下区城管局", 2023, "覆盖12座桥"),
        ("章丘区住建局", 2024, ""),
    ]
    assert capability.qualifications == "CMMI、ISO 27001、CMMI5、等保三级测评"
    form = client.get(f"/my/capabilities/{capability.id}/edit").get_data(as_text=True)
    assert form.count('data-testid="case-row"') == 3  # two cases and a blank row to add one
    assert (
        '<input checked id="qualifications-0" name="qualifications" type="checkbox" value="CMMI">'
        in form
    )
    assert 'value="CMMI5、等保三级测评"' in form
    page = client.get(f"/capabilities/{capability.id}").get_data(as_text=True)
    assert "章丘区住建局" in page
    assert "CMMI、ISO 27001" in page


def test_a_half_typed_case_row_is_named(client: FlaskClient, firm: User) -> None:
    login(client, firm)
    data = capability_form()
    data.update({"cases-1-client": "", "cases-1-year": "2022", "cases-1-result": ""})
    page = client.post("/my/capabilities/new", data=data).get_data(as_text=True)
    assert "请填写案例客户名称" in page
    assert db.session.scalar(sa.select(sa.func.count(Capability.id))) == 0


def test_unknown_qualifications_from_the_list_are_refused(client: FlaskClient, firm: User) -> None:
    login(client, firm)
    page = client.post(
        "/my/capabilities/new", data=capability_form(qualifications=["火星认证"])
    ).get_data(as_text=True)
    assert "包含无效的选项" in page


def test_older_free_text_qualifications_survive_an_edit(client: FlaskClient, firm: User) -> None:
    capability = make_capability(
        firm.organization, ListingStatus.DRAFT, qualifications="CMMI3，ISO 9001"
    )
    login(client, firm)
    form = client.get(f"/my/capabilities/{capability.id}/edit").get_data(as_text=True)
    assert 'value="CMMI3"' in form  # not in the list: kept as free text
    assert (
        '<input checked id="qualifications-2" name="qualifications" type="checkbox" value="ISO 9001">'
        in form
    )


def test_the_matching_document_is_fed_the_same_text(firm: User) -> None:
    capability = make_capability(firm.organization, qualifications="CMMI、首版次软件")
    doc = document(capability)
    assert doc.description == capability.description
    assert "CMMI" not in doc.tags  # qualifications are shown to people, not matched on


def test_form_fields_carry_no_placeholder_or_rows_they_were_not_given(
    client: FlaskClient, publisher: User
) -> None:
    login(client, publisher)
    page = client.get("/my/scenarios/new").get_data(as_text=True)
    assert 'placeholder="None"' not in page
    assert 'rows="None"' not in page
    assert 'rows="5"' in page  # the description's given height stays
