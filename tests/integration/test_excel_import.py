"""Excel import: template, preview by row and column, all-or-nothing, no duplicates, bad files."""

from __future__ import annotations

import io
import time
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from openpyxl import Workbook, load_workbook

from app import clock
from app.errors import DomainError
from app.excel import services
from app.excel.columns import columns
from app.excel.reader import MAX_ROWS, FileRefused
from app.excel.workbook import NOTES_SHEET, OPTIONS_SHEET, template
from app.extensions import db
from app.jobs import JobContext
from app.models import (
    AuditEvent,
    Capability,
    JobRun,
    JobStatus,
    ListingStatus,
    Role,
    Scenario,
    User,
)
from app.recommendations.documents import document
from app.recommendations.live import live
from tests.conftest import login
from tests.factories import make_org, make_user

NEXT_YEAR = clock.today().year + 1


def scenario_row(n: int = 1, **over: Any) -> dict[str, Any]:
    """A valid scenario row by header."""
    row = {
        "场景名称": f"智慧停车诱导系统建设{n}",
        "应用领域": "智慧交通",
        "所在区县": "历下区",
        "现状与痛点": "老城区停车位紧张，驾驶人找车位绕行时间长，造成拥堵和尾气排放，需要实时车位信息。",
        "建设需求": "接入路侧和停车场泊位数据，发布诱导信息。",
        "预期成效": "找车位时间缩短三成。",
        "技术方向": "物联网、大数据",
        "预算（万元）": 120,
        "开放方式": "揭榜挂帅",
        "申报截止日期": f"{NEXT_YEAR}-12-31",
        "联系人": "王工",
        "联系电话": "13905310001",
    }
    row.update(over)
    return row


def capability_row(n: int = 1, **over: Any) -> dict[str, Any]:
    """A valid capability row by header."""
    row = {
        "能力名称": f"城市级物联网感知平台{n}",
        "能力类型": "平台",
        "成熟度": "规模应用",
        "适用领域": "智慧交通、城市治理",
        "技术方向": "物联网",
        "能力介绍": "统一接入各类传感设备，提供设备管理、数据汇聚、告警联动和开放接口，已在多个区县使用。",
        "关键词": "感知、设备接入",
        "资质认证": "ISO 27001",
        "案例客户": "某区大数据局",
        "案例年份": 2024,
        "案例成效": "接入设备两万台",
    }
    row.update(over)
    return row


def workbook_bytes(kind: str, rows: list[dict[str, Any]], header: list[str] | None = None) -> bytes:
    """The downloaded template filled with rows (as a user would, with openpyxl)."""
    book = load_workbook(io.BytesIO(template(kind)))
    sheet = book.worksheets[0]
    heads = header or [c.value for c in sheet[1]]
    if header:
        for i in range(1, sheet.max_column + 1):
            sheet.cell(1, i).value = None
        for i, h in enumerate(header, start=1):
            sheet.cell(1, i, h)
    for r, row in enumerate(rows, start=2):
        for i, h in enumerate(heads, start=1):
            if h in row:
                sheet.cell(r, i, row[h])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client: FlaskClient, data: bytes, kind: str | None = None, name: str = "x.xlsx"):
    """POST a file to the upload form (owners send no kind); return the preview (followed)."""
    fields: dict[str, Any] = {"file": (io.BytesIO(data), name)}
    if kind is not None:
        fields["kind"] = kind
    return client.post(
        "/imports/",
        data=fields,
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def token_of(response) -> str:
    path = response.request.path
    assert path.startswith("/imports/"), path
    return path.rsplit("/", 1)[-1]


def count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


# --- the template ---------------------------------------------------------------------------


def test_the_template_has_chinese_headers_dropdowns_and_a_notes_sheet() -> None:
    book = load_workbook(io.BytesIO(template("scenario")))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == [c.header for c in columns("scenario")]
    assert book.sheetnames == ["场景清单", OPTIONS_SHEET, NOTES_SHEET]
    sources = {
        str(dv.sqref).split(":")[0]: dv.formula1 for dv in sheet.data_validations.dataValidation
    }
    assert "B2" in sources
    assert OPTIONS_SHEET in sources["B2"]
    options = book[OPTIONS_SHEET]
    assert options["A1"].value == "应用领域"
    assert options["A2"].value
    notes = [row[0] for row in book[NOTES_SHEET].iter_rows(min_row=2, values_only=True)]
    assert "场景名称" in notes
    assert "所属单位" in notes


def test_template_download_is_an_xlsx_attachment(client: FlaskClient, firm) -> None:
    login(client, firm)
    response = client.get("/imports/template/capability.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    assert load_workbook(io.BytesIO(response.data)).worksheets[0]["A1"].value == "能力名称"
    assert client.get("/imports/template/other.xlsx").status_code == 404


# --- preview, import, dedupe ---------------------------------------------------------------


def test_preview_saves_nothing_and_import_creates_drafts_with_features(
    client: FlaskClient, publisher
) -> None:
    login(client, publisher)
    preview = upload(client, workbook_bytes("scenario", [scenario_row(1), scenario_row(2)]))
    assert preview.status_code == 200
    assert "可导入" in preview.text
    assert 'data-testid="rows-ok">2<' in preview.text
    assert count(Scenario) == 0
    response = client.post(f"/imports/{token_of(preview)}/confirm", follow_redirects=True)
    assert "已导入2条场景（草稿）" in response.text
    rows = list(db.session.scalars(sa.select(Scenario).order_by(Scenario.id)))
    assert [r.title for r in rows] == ["智慧停车诱导系统建设1", "智慧停车诱导系统建设2"]
    first = rows[0]
    assert first.organization_id == publisher.organization_id
    assert first.status is ListingStatus.DRAFT
    assert first.tag_names == ["物联网", "大数据"] or set(first.tag_names) == {"物联网", "大数据"}
    assert first.deadline == date(NEXT_YEAR, 12, 31)
    assert first.budget_wan == 120
    # the same features as a scenario saved through the form would get
    assert first.features == live(client.application).engine().features(document(first)).to_json()
    assert count(AuditEvent) == 2


def test_reimporting_the_same_file_creates_no_duplicates(client: FlaskClient, publisher) -> None:
    login(client, publisher)
    data = workbook_bytes("scenario", [scenario_row(1)])
    client.post(f"/imports/{token_of(upload(client, data))}/confirm")
    # same title with other spacing and width: still the same row
    again = workbook_bytes(
        "scenario", [scenario_row(1, **{"场景名称": " 智慧停车诱导系统建设１ "}), scenario_row(3)]
    )
    preview = upload(client, again)
    assert "已导入，跳过" in preview.text
    assert 'data-testid="rows-skip">1<' in preview.text
    response = client.post(f"/imports/{token_of(preview)}/confirm", follow_redirects=True)
    assert "已导入1条" in response.text
    assert "跳过1条" in response.text
    assert count(Scenario) == 2


def test_problems_are_shown_by_row_and_column_and_only_valid_rows_import(
    client: FlaskClient, publisher
) -> None:
    login(client, publisher)
    rows = [
        scenario_row(1),
        scenario_row(2, **{"应用领域": "宇宙探索", "联系电话": "12345"}),
        scenario_row(3, **{"申报截止日期": "31.12.2026", "技术方向": ""}),
    ]
    preview = upload(client, workbook_bytes("scenario", rows))
    text = preview.text
    assert "第3行" in text
    assert "应用领域" in text
    assert "“宇宙探索”不是可选值。可选值：" in text
    assert "联系电话" in text
    assert "第4行" in text
    assert "无法识别的日期“31.12.2026”" in text
    assert "必填，不能为空。" in text
    assert count(Scenario) == 0
    client.post(f"/imports/{token_of(preview)}/confirm")
    assert [s.title for s in db.session.scalars(sa.select(Scenario))] == ["智慧停车诱导系统建设1"]


def test_cancel_imports_nothing_and_forgets_the_file(client: FlaskClient, publisher) -> None:
    login(client, publisher)
    token = token_of(upload(client, workbook_bytes("scenario", [scenario_row()])))
    response = client.post(f"/imports/{token}/cancel", follow_redirects=True)
    assert "没有保存任何数据" in response.text
    assert count(Scenario) == 0
    assert client.get(f"/imports/{token}").status_code == 404
    assert client.post(f"/imports/{token}/confirm").status_code == 404


def test_another_users_upload_is_not_found(client: FlaskClient, publisher) -> None:
    login(client, publisher)
    token = token_of(upload(client, workbook_bytes("scenario", [scenario_row()])))
    login(client, make_user(publisher.organization))
    assert client.get(f"/imports/{token}").status_code == 404
    assert client.post(f"/imports/{token}/confirm").status_code == 404
    assert client.get("/imports/not-a-token").status_code == 404
    assert count(Scenario) == 0


def test_a_firm_imports_capabilities_whatever_kind_it_asks_for(client: FlaskClient, firm) -> None:
    login(client, firm)
    preview = upload(client, workbook_bytes("capability", [capability_row()]), kind="scenario")
    assert "导入预览：能力" in preview.text
    client.post(f"/imports/{token_of(preview)}/confirm")
    capability = db.session.scalars(sa.select(Capability)).one()
    assert capability.domain_names == ["智慧交通", "城市治理"] or set(capability.domain_names) == {
        "智慧交通",
        "城市治理",
    }
    assert [c.client for c in capability.cases] == ["某区大数据局"]
    assert capability.status is ListingStatus.DRAFT


def test_an_administrator_imports_for_organisations_named_by_name_or_uscc(
    client: FlaskClient, admin
) -> None:
    firm_a = make_org(Role.FIRM)
    firm_b = make_org(Role.FIRM)
    publisher = make_org(Role.PUBLISHER)
    login(client, admin)
    rows = [
        capability_row(1, 所属单位=firm_a.name),
        capability_row(2, 所属单位=firm_b.uscc.lower()),
        capability_row(3, 所属单位="不存在的公司"),
        capability_row(4, 所属单位=publisher.name),
        capability_row(5),
    ]
    preview = upload(client, workbook_bytes("capability", rows), kind="capability")
    assert "找不到单位“不存在的公司”" in preview.text
    assert f"单位“{publisher.name}”是场景发布单位，不能导入此类内容。" in preview.text
    assert "管理员导入时必须填写所属单位。" in preview.text
    response = client.post(f"/imports/{token_of(preview)}/confirm", follow_redirects=True)
    assert "已导入2条能力（待审核）" in response.text
    made = {c.organization_id: c for c in db.session.scalars(sa.select(Capability))}
    assert set(made) == {firm_a.id, firm_b.id}
    assert all(c.status is ListingStatus.PENDING and c.submitted_at for c in made.values())


def test_a_title_repeated_in_the_file_is_refused_on_the_later_row(publisher) -> None:
    preview = services.check(
        workbook_bytes("scenario", [scenario_row(1), scenario_row(1)]), "scenario", publisher
    )
    assert [r.status for r in preview.rows] == ["ok", "error"]
    assert preview.rows[1].problems == [("场景名称", "与第2行重复。")]


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"title,domain\nfoo,bar\n", "文件不是 Excel 工作簿（.xlsx）"),
        (b"PK\x03\x04 truncated zip", "文件不是 Excel 工作簿（.xlsx）"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
            + b"\0" * 100
            + "EncryptionInfo".encode("utf-16-le"),
            "文件设置了打开密码（已加密）",
        ),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100 + "Workbook".encode("utf-16-le"),
            "旧版 Excel（.xls）",
        ),
    ],
)
def test_files_that_are_not_plain_xlsx_are_refused(
    client: FlaskClient, publisher, data: bytes, message: str
) -> None:
    login(client, publisher)
    preview = upload(client, data)
    assert message in preview.text
    assert "文件未导入任何数据" in preview.text
    assert count(Scenario) == 0


def test_merged_header_cells_are_refused(publisher) -> None:
    book = load_workbook(io.BytesIO(workbook_bytes("scenario", [scenario_row()])))
    book.worksheets[0].merge_cells("A1:B1")
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(FileRefused, match=r"表头（第1行）含有合并单元格 A1:B1"):
        services.check(out.getvalue(), "scenario", publisher)


def test_missing_and_unknown_columns_are_named(publisher) -> None:
    header = [c.header for c in columns("scenario") if c.header not in ("开放方式", "联系人")] + [
        "备注"
    ]
    data = workbook_bytes("scenario", [scenario_row()], header=header)
    with pytest.raises(FileRefused) as refused:
        services.check(data, "scenario", publisher)
    message = refused.value.message
    assert "缺少列：开放方式、联系人" in message
    assert "无法识别的列：" in message
    assert "“备注”" in message


def test_columns_may_come_in_any_order(publisher) -> None:
    header = list(reversed([c.header for c in columns("scenario")]))
    preview = services.check(
        workbook_bytes("scenario", [scenario_row()], header=header), "scenario", publisher
    )
    assert [r.status for r in preview.rows] == ["ok"]


def _rows_file(n: int, write_only: bool) -> bytes:
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("场景清单") if write_only else book.active
    sheet.append([c.header for c in columns("scenario")])
    for i in range(n):
        sheet.append([f"标题{i}"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_declared_size_above_the_limit_is_refused_before_reading_rows(publisher) -> None:
    data = _rows_file(MAX_ROWS + 1, write_only=False)  # the sheet declares its dimension
    with pytest.raises(
        FileRefused, match=rf"文件有{MAX_ROWS + 1}行数据，超过单次导入上限{MAX_ROWS}行"
    ):
        services.check(data, "scenario", publisher)


def test_100000_rows_without_a_declared_size_stop_at_the_limit(publisher) -> None:
    data = _rows_file(100_000, write_only=True)  # no dimension: counted while reading
    with pytest.raises(
        FileRefused, match=rf"文件有超过{MAX_ROWS}行数据，超过单次导入上限{MAX_ROWS}行"
    ):
        services.check(data, "scenario", publisher)


def test_formulas_are_refused_with_row_and_column(publisher) -> None:
    data = workbook_bytes("scenario", [scenario_row(1, **{"预算（万元）": "=100+20"})])
    preview = services.check(data, "scenario", publisher)
    assert preview.rows[0].problems == [
        ("预算（万元）", "是公式，请改为直接填写的值（复制后“选择性粘贴—数值”）。")
    ]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (f"{NEXT_YEAR}-12-31", date(NEXT_YEAR, 12, 31)),
        (f"{NEXT_YEAR}/12/31", date(NEXT_YEAR, 12, 31)),
        (f"{NEXT_YEAR}年12月31日", date(NEXT_YEAR, 12, 31)),
        (datetime(NEXT_YEAR, 6, 1), date(NEXT_YEAR, 6, 1)),
    ],
)
def test_accepted_date_forms(publisher, cell: Any, expected: date) -> None:
    preview = services.check(
        workbook_bytes("scenario", [scenario_row(**{"申报截止日期": cell})]), "scenario", publisher
    )
    assert preview.rows[0].problems == []
    assert preview.rows[0].values["deadline"] == expected


@pytest.mark.parametrize("cell", ["31/12/2026", "2026.12.31", "明年年底", f"{NEXT_YEAR}-02-30"])
def test_other_date_forms_are_refused(publisher, cell: str) -> None:
    preview = services.check(
        workbook_bytes("scenario", [scenario_row(**{"申报截止日期": cell})]), "scenario", publisher
    )
    assert preview.rows[0].problems == [
        (
            "申报截止日期",
            f"无法识别的日期“{cell}”，请使用 2026-12-31、2026/12/31 或 2026年12月31日。",
        )
    ]


def test_a_past_deadline_is_refused(publisher) -> None:
    past = (clock.today() - timedelta(days=1)).isoformat()
    preview = services.check(
        workbook_bytes("scenario", [scenario_row(**{"申报截止日期": past})]), "scenario", publisher
    )
    assert preview.rows[0].problems == [("申报截止日期", "截止日期不能早于今天。")]


def test_unknown_tags_name_the_column_and_allowed_values(publisher) -> None:
    preview = services.check(
        workbook_bytes("scenario", [scenario_row(**{"技术方向": "物联网、量子纠缠"})]),
        "scenario",
        publisher,
    )
    column, message = preview.rows[0].problems[0]
    assert column == "技术方向"
    assert message.startswith("“量子纠缠”不是可选值。可选值：")
    assert "人工智能" in message


def test_an_import_that_fails_midway_saves_nothing(
    client: FlaskClient, publisher, monkeypatch
) -> None:
    login(client, publisher)
    token = token_of(
        upload(client, workbook_bytes("scenario", [scenario_row(n) for n in range(1, 4)]))
    )
    real = services._insert_scenarios

    def failing(rows, status, engine):
        real(rows, status, engine)
        raise DomainError("模拟的数据库错误。")

    monkeypatch.setattr(services, "_insert_scenarios", failing)
    response = client.post(f"/imports/{token}/confirm", follow_redirects=True)
    assert "模拟的数据库错误。" in response.text
    assert count(Scenario) == 0
    assert count(AuditEvent) == 0


def test_files_larger_than_the_site_limit_but_under_the_upload_limit_are_read(
    client: FlaskClient, publisher
) -> None:
    login(client, publisher)
    preview = upload(client, b"not excel" * 400_000)  # 3.6 MB: above the 2 MB site-wide limit
    assert "文件不是 Excel 工作簿（.xlsx）" in preview.text


def test_files_above_the_upload_limit_are_refused_with_a_message(
    client: FlaskClient, publisher
) -> None:
    login(client, publisher)
    response = upload(client, b"x" * (21 * 1024 * 1024))
    assert "文件超过20MB，请拆分为多个文件分批导入。" in response.text


def test_an_upload_without_a_file_says_so(client: FlaskClient, publisher) -> None:
    login(client, publisher)
    response = client.post("/imports/", data={}, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "请选择要上传的文件。" in response.text


def test_a_concurrent_import_of_the_same_rows_saves_nothing(
    client: FlaskClient, publisher, monkeypatch
) -> None:
    login(client, publisher)
    data = workbook_bytes("scenario", [scenario_row(1), scenario_row(2)])
    first, second = token_of(upload(client, data)), token_of(upload(client, data))
    client.post(f"/imports/{first}/confirm")
    # the second request checked before the first committed: it does not see the keys
    monkeypatch.setattr(services, "_existing_keys", lambda kind, keys: set())
    response = client.post(f"/imports/{second}/confirm", follow_redirects=True)
    assert "本次没有保存任何数据" in response.text
    assert count(Scenario) == 2


@pytest.mark.commits  # progress is committed beside the import's own open transaction
def test_the_import_reports_its_progress_per_chunk(
    client: FlaskClient, publisher, monkeypatch
) -> None:
    login(client, publisher)
    token = token_of(
        upload(client, workbook_bytes("scenario", [scenario_row(n) for n in range(5)]))
    )
    seen: list[tuple[int, int, str]] = []
    real = JobContext.progress

    def spy(ctx: JobContext, done: int, total: int, note: str = "") -> None:
        seen.append((done, total, note))
        real(ctx, done, total, note)

    monkeypatch.setattr(services, "CHUNK", 2)
    monkeypatch.setattr(JobContext, "progress", spy)
    response = client.post(f"/imports/{token}/confirm")
    assert response.headers["Location"].startswith("/imports/runs/")
    tokenised = [(2, 5, "分词"), (4, 5, "分词"), (5, 5, "分词")]
    written = [(2, 5, "写入"), (4, 5, "写入"), (5, 5, "写入")]
    assert seen == [(0, 5, "检查"), *tokenised, *written]
    run = db.session.scalar(sa.select(JobRun).where(JobRun.name == "excel.import"))
    assert (run.progress_done, run.progress_total) == (5, 5)
    assert "已导入5条场景（草稿）" in client.get(response.headers["Location"]).text
    assert client.get(f"/imports/{token}").status_code == 404  # consumed by the import


def test_a_second_confirmation_leads_to_the_same_import(
    fresh_app, client: FlaskClient, publisher
) -> None:
    threaded = fresh_app(JOBS_MODE="thread", WTF_CSRF_ENABLED=False)
    publisher_id = publisher.id  # read here: the suite's session must not use the other app
    with threaded.app_context():
        user = db.session.get(User, publisher_id)
        on_threads = login(threaded.test_client(), user)
    token = token_of(upload(on_threads, workbook_bytes("scenario", [scenario_row(1)])))
    first = on_threads.post(f"/imports/{token}/confirm").headers["Location"]
    second = on_threads.post(f"/imports/{token}/confirm")
    assert second.status_code in (302, 404)  # the same run, or already imported and consumed
    if second.status_code == 302:
        assert second.headers["Location"] == first
    for _ in range(100):
        page = on_threads.get(first).text
        if "已导入" in page:
            break
        time.sleep(0.05)
    assert "已导入1条场景（草稿）" in page
    assert count(Scenario) == 1


def test_someone_elses_import_is_not_found(client: FlaskClient, publisher, other_firm) -> None:
    login(client, publisher)
    token = token_of(upload(client, workbook_bytes("scenario", [scenario_row(1)])))
    status = client.post(f"/imports/{token}/confirm").headers["Location"]
    login(client, other_firm)
    assert client.get(status).status_code == 404


def test_while_the_import_runs_its_page_shows_how_far_it_has_come(
    client: FlaskClient, publisher
) -> None:
    login(client, publisher)
    run = JobRun(
        name="excel.import",
        args={"token": "ab" * 16, "user_id": publisher.id},
        status=JobStatus.RUNNING,
        created_by_id=publisher.id,
        progress_done=1500,
        progress_total=5000,
        progress_note="分词",
    )
    db.session.add(run)
    db.session.commit()
    page = client.get(f"/imports/runs/{run.id}").text
    assert "正在分词：1500 / 5000 条" in page
    assert f'data-import-run="/jobs/{run.id}"' in page  # the page follows the job
    assert 'value="30"' in page  # the bar: 30 %
