"""A chart's table as CSV (UTF-8 with BOM, so Excel reads the Chinese) or as an XLSX workbook."""

from __future__ import annotations

import csv
import io
from typing import Any, cast

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.dashboard.tables import Cell, Chart

# Cells starting with these are formulas to a spreadsheet: titles and reasons typed by users
# must stay text (CSV/formula injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value: Cell) -> Any:
    """Text that a spreadsheet would evaluate is prefixed with an apostrophe; None is blank."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def to_csv(chart: Chart) -> bytes:
    """The chart's columns and rows as CSV."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(chart.columns)
    writer.writerows([safe_cell(v) for v in row] for row in chart.rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(chart: Chart) -> bytes:
    """The chart's columns and rows as a one-sheet workbook, header in bold."""
    book = Workbook()
    sheet = cast(Worksheet, book.active)  # a new workbook has one sheet, the active one
    sheet.title = chart.key[:31]
    sheet.append(list(chart.columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in chart.rows:
        sheet.append([safe_cell(v) for v in row])
    for index, column in enumerate(sheet.columns, start=1):
        width = max(len(str(c.value or "")) for c in column)
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width * 2, 8), 60)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def render(chart: Chart, fmt: str) -> tuple[bytes, str]:
    """The file body and its MIME type for a format (csv or xlsx)."""
    if fmt == "xlsx":
        return to_xlsx(chart), XLSX_MIMETYPE
    return to_csv(chart), CSV_MIMETYPE
