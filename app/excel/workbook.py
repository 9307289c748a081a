"""Writing workbooks: import templates (drop-downs, notes sheet) and exports of lists."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any, cast

from flask import send_file
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from werkzeug.wrappers import Response

from app import taxonomy
from app.excel.columns import Column, Kind, columns, sheet_title
from app.excel.limits import MAX_ROWS

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OPTIONS_SHEET = "可选值"
NOTES_SHEET = "填写说明"
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
REQUIRED_FILL = PatternFill("solid", fgColor="F8CBAD")


def xlsx_response(data: bytes, filename: str) -> Response:
    """A download; send_file encodes the Chinese file name for the header (RFC 5987)."""
    return send_file(
        io.BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=filename
    )


def to_bytes(workbook: Workbook) -> bytes:
    """The workbook as .xlsx bytes."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template(kind: Kind) -> bytes:
    """An empty import template: Chinese header, drop-downs from the taxonomy, a notes sheet."""
    cols = columns(kind)
    workbook = Workbook()
    sheet = cast(Worksheet, workbook.active)  # a new workbook has one sheet, the active one
    sheet.title = sheet_title(kind)
    _header(sheet, cols)
    options = workbook.create_sheet(OPTIONS_SHEET)
    for index, column in enumerate(c for c in cols if c.taxonomy):
        names = taxonomy.names(column.taxonomy)
        letter = get_column_letter(index + 1)
        options.cell(1, index + 1, column.header)
        for row, name in enumerate(names, start=2):
            options.cell(row, index + 1, name)
        _dropdown(
            sheet,
            cols,
            column,
            f"{quote_sheetname(OPTIONS_SHEET)}!${letter}$2:${letter}${len(names) + 1}",
        )
    _notes(workbook.create_sheet(NOTES_SHEET), cols)
    return to_bytes(workbook)


def _header(sheet: Any, cols: Sequence[Column]) -> None:
    sheet.append([c.header for c in cols])
    for index, column in enumerate(cols, start=1):
        cell = sheet.cell(1, index)
        cell.font = Font(bold=True)
        cell.fill = REQUIRED_FILL if column.required else HEADER_FILL
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"


def _dropdown(sheet: Any, cols: Sequence[Column], column: Column, source: str) -> None:
    letter = get_column_letter(cols.index(column) + 1)
    # several terms may be typed into one cell: the list then helps but does not refuse
    multi = column.type == "terms"
    validation = DataValidation(
        type="list",
        formula1=source,
        allow_blank=not column.required,
        showErrorMessage=not multi,
        errorTitle="无效的值",
        error=f"请从下拉列表中选择{column.header}。",
        promptTitle=column.header,
        prompt="可多选，用顿号分隔" if multi else "请从下拉列表中选择",
        showInputMessage=True,
    )
    validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    sheet.add_data_validation(validation)


def _notes(sheet: Any, cols: Sequence[Column]) -> None:
    sheet.append(["列名", "是否必填", "说明", "可选值"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column in cols:
        allowed = "、".join(taxonomy.names(column.taxonomy)) if column.taxonomy else ""
        sheet.append([column.header, "必填" if column.required else "选填", column.note, allowed])
    sheet.append([])
    sheet.append(["", "", f"每个文件最多{MAX_ROWS}行数据；不支持公式、合并单元格和加密文件。"])
    sheet.append(["", "", "导入前会逐行检查并预览问题，确认后才会保存；已导入过的行会跳过。"])
    for letter, width in zip("ABCD", (18, 10, 60, 80), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def table(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A one-sheet export with a bold header (write-only: large lists stay cheap)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    sheet.append(list(header))
    for row in rows:
        sheet.append([_cell(sheet, v) for v in row])
    return to_bytes(workbook)


def _cell(sheet: Any, value: Any) -> Any:
    # openpyxl stores text starting with "=" as a formula: keep people's text as text
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value
