"""In a real browser: import scenarios from the template (fixing a bad row after the preview),
and publish a 第N批 list and download it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from app import clock
from tests.e2e.test_journey import ADMIN_EMAIL, ADMIN_PASSWORD, flash, sign_in

pytestmark = pytest.mark.browser

PUBLISHER_EMAIL = "publisher@example.com"
PUBLISHER_PASSWORD = "Faburen-2026-Demo"  # seed/demo/users.json
NEXT_YEAR = clock.today().year + 1


def fill(template: Path, rows: list[dict[str, object]], out: Path) -> Path:
    """Fill the downloaded template with rows, by header, as a person would in Excel."""
    book = load_workbook(template)
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    for r, row in enumerate(rows, start=2):
        for header, value in row.items():
            sheet.cell(r, headers.index(header) + 1, value)
    book.save(out)
    return out


def row(n: int, domain: str = "智慧交通") -> dict[str, object]:
    return {
        "场景名称": f"浏览器导入的停车诱导场景{n}",
        "应用领域": domain,
        "所在区县": "历下区",
        "现状与痛点": "老城区停车位紧张，驾驶人找车位绕行时间长，需要实时车位信息发布和诱导服务。",
        "技术方向": "物联网、大数据",
        "开放方式": "揭榜挂帅",
        "申报截止日期": f"{NEXT_YEAR}年12月31日",
        "联系人": "王工",
        "联系电话": "13905310001",
    }


def test_import_scenarios_fixing_a_bad_row_after_the_preview(page: Page, tmp_path: Path) -> None:
    sign_in(page, PUBLISHER_EMAIL, PUBLISHER_PASSWORD)
    page.goto("/my/")
    page.get_by_test_id("excel-import").click()
    with page.expect_download() as download:
        page.get_by_test_id("template-scenario").click()
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)

    bad = fill(template, [row(1), row(2, domain="宇宙探索"), row(3)], tmp_path / "bad.xlsx")
    page.get_by_label("Excel 文件（.xlsx）").set_input_files(bad)
    page.get_by_role("button", name="上传并检查").click()
    problems = page.get_by_test_id("problems")
    expect(problems).to_contain_text("第3行")
    expect(problems).to_contain_text("应用领域")
    expect(problems).to_contain_text("“宇宙探索”不是可选值")
    expect(page.get_by_test_id("rows-error")).to_have_text("1")
    page.get_by_test_id("cancel-import").click()
    expect(flash(page, "info")).to_contain_text("没有保存任何数据")

    good = fill(template, [row(1), row(2), row(3)], tmp_path / "good.xlsx")
    page.get_by_label("Excel 文件（.xlsx）").set_input_files(good)
    page.get_by_role("button", name="上传并检查").click()
    expect(page.get_by_test_id("rows-ok")).to_have_text("3")
    page.get_by_test_id("confirm-import").click()
    # the import runs as a background job; its page follows it and then shows the outcome
    expect(page.get_by_test_id("import-done")).to_contain_text("已导入3条场景（草稿）")
    page.get_by_role("link", name="查看导入的内容").click()
    expect(page.get_by_text("浏览器导入的停车诱导场景2")).to_be_visible()

    # the same file again: nothing new
    page.goto("/imports/")
    page.get_by_label("Excel 文件（.xlsx）").set_input_files(good)
    page.get_by_role("button", name="上传并检查").click()
    expect(page.get_by_test_id("rows-skip")).to_have_text("3")
    expect(page.get_by_test_id("confirm-import")).to_be_disabled()


def test_publish_a_numbered_batch_and_download_it(page: Page, tmp_path: Path) -> None:
    sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto("/batches/manage")
    page.get_by_label("清单类型").select_option("scenario")
    page.get_by_test_id("batch-create").click()
    expect(flash(page)).to_contain_text("批场景机会清单，请选择条目")
    # the demo data publishes the first batch: this one is numbered after it
    title = page.get_by_label("批次标题")
    expect(title).to_have_value(f"{clock.today().year}年第二批场景机会清单")
    candidates = page.get_by_test_id("batch-candidates").get_by_role("checkbox")
    names = [
        candidates.nth(i).locator("xpath=..").inner_text().split(" · ")[0].strip() for i in range(2)
    ]
    candidates.nth(0).check()
    candidates.nth(1).check()
    page.get_by_test_id("batch-save").click()
    expect(flash(page)).to_contain_text("已保存，共2项")
    page.get_by_test_id("batch-publish").click()
    expect(flash(page)).to_contain_text("已发布")

    visitor = page.context.browser.new_page(base_url=page.url.split("/batches")[0])
    try:
        visitor.goto("/")
        newest = visitor.get_by_test_id("newest-batch")
        expect(newest).to_contain_text(f"{clock.today().year}年第二批场景机会清单")
        newest.get_by_role("link", name=f"{clock.today().year}年第二批场景机会清单").click()
        items = visitor.get_by_test_id("batch-items")
        for name in names:
            expect(items).to_contain_text(name)
        with visitor.expect_download() as download:
            visitor.get_by_test_id("batch-download").click()
        path = tmp_path / "batch.xlsx"
        download.value.save_as(path)
        sheet = load_workbook(io.BytesIO(path.read_bytes())).worksheets[0]
        assert [sheet.cell(r, 2).value for r in (2, 3)] == names
        visitor.get_by_role("link", name="打印版").click()
        expect(visitor.get_by_role("heading", level=1)).to_contain_text("第二批场景机会清单")
    finally:
        visitor.close()
