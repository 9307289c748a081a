"""Excel rows follow the owners' form rules, and become the engine documents the form's do."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask

from app.excel import services
from app.excel.columns import columns
from app.extensions import db
from app.listing_kinds.versions import CapabilityInput, CaseInput, ScenarioInput
from app.listings import services as listings
from app.models import Capability, Scenario
from app.recommendations.documents import document
from app.recommendations.live import live
from app.workspace.forms import CapabilityForm, ScenarioForm
from tests.integration.test_excel_import import (
    NEXT_YEAR,
    capability_row,
    scenario_row,
    workbook_bytes,
)


def check_scenario(user, **cells) -> services.RowCheck:
    preview = services.check(workbook_bytes("scenario", [scenario_row(**cells)]), "scenario", user)
    return preview.rows[0]


def test_the_template_has_the_budget_maximum_and_the_contact_email() -> None:
    headers = [c.header for c in columns("scenario")]
    assert "预算上限（万元）" in headers
    assert "联系邮箱" in headers


def test_a_budget_maximum_above_the_limit_is_refused_naming_row_and_column(publisher) -> None:
    row = check_scenario(publisher, **{"预算上限（万元）": 2_000_000})
    assert row.number == 2
    assert row.problems == [("预算上限（万元）", "预算应在0至100万万元之间。")]


def test_a_budget_maximum_below_the_amount_is_refused(publisher) -> None:
    row = check_scenario(publisher, **{"预算（万元）": 120, "预算上限（万元）": 80})
    assert row.problems == [("预算上限（万元）", "预算上限应不低于预算下限。")]


def test_a_budget_maximum_without_an_amount_is_refused(publisher) -> None:
    row = check_scenario(publisher, **{"预算（万元）": None, "预算上限（万元）": 80})
    assert row.problems == [("预算上限（万元）", "填写预算上限时请同时填写预算下限。")]


def test_a_budget_above_the_limit_is_refused_with_the_forms_message(publisher) -> None:
    row = check_scenario(publisher, **{"预算（万元）": 1_000_001})
    assert row.problems == [("预算（万元）", "预算应在0至100万万元之间。")]


def test_a_bad_contact_email_is_refused_naming_row_and_column(publisher) -> None:
    row = check_scenario(publisher, **{"联系邮箱": "wang@@example"})
    assert row.number == 2
    assert row.problems == [("联系邮箱", "请输入有效的邮箱地址。")]


def test_a_budget_range_and_an_email_are_imported(publisher) -> None:
    data = workbook_bytes(
        "scenario",
        [scenario_row(**{"预算上限（万元）": 200, "联系邮箱": "wang@example.com"})],
    )
    services.import_valid(services.check(data, "scenario", publisher), publisher)
    scenario = db.session.scalar(sa.select(Scenario))
    assert scenario.budget_wan == Decimal(120)
    assert scenario.budget_max_wan == Decimal(200)
    assert scenario.contact_email == "wang@example.com"


def test_a_file_from_the_older_template_without_the_new_columns_still_imports(
    publisher,
) -> None:
    header = [
        c.header for c in columns("scenario") if c.header not in ("预算上限（万元）", "联系邮箱")
    ]
    data = workbook_bytes("scenario", [scenario_row()], header=header)
    preview = services.check(data, "scenario", publisher)
    assert [r.status for r in preview.rows] == ["ok"]


@pytest.mark.parametrize(
    ("form", "kind"), [(ScenarioForm, "scenario"), (CapabilityForm, "capability")]
)
def test_form_fields_and_columns_share_labels_and_length_limits(form, kind, app: Flask) -> None:
    with app.test_request_context():
        fields = {name: field for name, field in form(meta={"csrf": False})._fields.items()}
    for column in columns(kind):
        field = fields.get(column.key)
        if field is None or column.rule is None:
            continue
        assert field.label.text == column.header
        lengths = [v for v in field.validators if hasattr(v, "max") and hasattr(v, "min")]
        # the form checks the qualifications' total length after joining chosen and typed names
        if column.max_len and column.key != "qualifications":
            assert any(v.max == column.max_len for v in lengths), column.key


def _same_content_imported_and_typed(user, kind: str, row: dict, typed) -> tuple:
    model = Scenario if kind == "scenario" else Capability
    services.import_valid(services.check(workbook_bytes(kind, [row]), kind, user), user)
    imported = db.session.scalar(sa.select(model))
    create = listings.create_scenario if kind == "scenario" else listings.create_capability
    created = create(user, typed)
    db.session.flush()
    return imported, created


def test_an_imported_scenario_and_a_typed_one_get_the_same_engine_document(
    publisher, app: Flask
) -> None:
    typed = ScenarioInput(
        title="智慧停车诱导系统建设9",
        domain="智慧交通",
        district="历下区",
        description=scenario_row()["现状与痛点"],
        needs=scenario_row()["建设需求"],
        expected=scenario_row()["预期成效"],
        tags=["大数据", "物联网"],  # typed in another order: both are stored in taxonomy order
        budget_wan=Decimal(120),
        opening_method="揭榜挂帅",
        deadline=None,
        contact_name="王工",
        contact_phone="13905310001",
    )
    row = scenario_row(9, **{"申报截止日期": f"{NEXT_YEAR}-12-31"})
    imported, created = _same_content_imported_and_typed(publisher, "scenario", row, typed)
    assert _fields(document(imported)) | {"id": ""} == _fields(document(created)) | {"id": ""}
    assert imported.features == created.features
    engine = live(app).engine()
    assert imported.features == engine.features(document(created)).to_json()


def test_an_imported_capability_and_a_typed_one_get_the_same_engine_document(firm) -> None:
    row = capability_row(9)
    typed = CapabilityInput(
        title=row["能力名称"],
        cap_type="平台",
        maturity="规模应用",
        domains=["城市治理", "智慧交通"],
        tags=["物联网"],
        description=row["能力介绍"],
        keywords="感知、设备接入",
        qualifications=["ISO 27001"],
        cases=[CaseInput("某区大数据局", 2024, "接入设备两万台")],
    )
    imported, created = _same_content_imported_and_typed(firm, "capability", row, typed)
    assert _fields(document(imported)) | {"id": ""} == _fields(document(created)) | {"id": ""}
    assert imported.features == created.features


def _fields(doc) -> dict:
    return dataclasses.asdict(doc)
