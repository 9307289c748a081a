"""Reading an uploaded workbook safely: refuse what is not a plain .xlsx before parsing rows.

Formulas are refused (not evaluated, and their cached values are not trusted: a file saved by a
program other than Excel has none), with the row and column to fix.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.utils.exceptions import InvalidFileException

from app.errors import DomainError
from app.excel import archive, limits
from app.excel.columns import Column
from app.excel.limits import MAX_CELL_CHARS, MAX_COLUMNS, MAX_ROWS

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
CHUNK_BYTES = 1024 * 1024
MERGE_TAIL = 200  # longer than any <mergeCell ref="…"/> element
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+\d+(?::[A-Z]+\d+)?)"')

NOT_EXCEL = "文件不是 Excel 工作簿（.xlsx）。请下载模板，填写后保存为 .xlsx 再上传。"


class FileRefused(DomainError):
    """The whole file is refused; nothing in it is imported."""


@dataclass(frozen=True)
class RawRow:
    """One data row: its Excel row number and its cells by column key."""

    number: int
    cells: dict[str, Any]
    formulas: tuple[str, ...]  # keys of the cells holding a formula


def sniff(data: bytes) -> None:
    """Refuse encrypted, legacy and non-Excel files by their first bytes."""
    if data.startswith(OLE_MAGIC):
        # an encrypted .xlsx is an OLE container with an EncryptionInfo stream
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise FileRefused(
                "文件设置了打开密码（已加密），无法读取。请在 Excel 中取消密码后另存为 .xlsx 再上传。"
            )
        raise FileRefused(
            "这是旧版 Excel（.xls）文件。请在 Excel 中“另存为”Excel 工作簿（.xlsx）后再上传。"
        )
    if not data.startswith(ZIP_MAGIC):
        raise FileRefused(NOT_EXCEL)


def read_rows(data: bytes, cols: tuple[Column, ...], required_headers: set[str]) -> list[RawRow]:
    """Every non-empty data row of the first sheet, after the file-level checks."""
    sniff(data)
    refused = archive.inspect(data)
    if refused is not None:
        raise FileRefused(refused)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise FileRefused(NOT_EXCEL) from error
    try:
        sheet = workbook.worksheets[0]
        _check_declared_size(sheet.max_row, sheet.max_column)
        _check_header_merges(data, sheet._worksheet_path)  # type: ignore[attr-defined]  # private: no public accessor
        # the declared dimension may lie: forget it, so rows are neither padded to a huge width
        # nor cut at a small one, and the real rows and columns are counted while streaming
        sheet.reset_dimensions()
        rows = _bounded(sheet.iter_rows())
        header = next(rows, ())
        positions = _header_positions([c.value for c in header], cols, required_headers)
        return list(_data_rows(rows, positions))
    finally:
        workbook.close()


def _check_declared_size(max_row: int | None, max_column: int | None) -> None:
    # the sheet's declared dimension: refuse huge sheets before reading a single row
    if max_row is not None and max_row - 1 > MAX_ROWS:
        raise FileRefused(limits.too_many_rows(max_row - 1))
    if max_column is not None and max_column > MAX_COLUMNS:
        raise FileRefused(limits.too_many_columns(max_column))


def _bounded(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """The sheet's rows, stopping at the first row, column or cell beyond the limits."""
    for number, row in enumerate(rows, start=1):
        if number - 1 > MAX_ROWS:  # blank rows count: they cost as much to read
            raise FileRefused(limits.too_many_rows(f"超过{MAX_ROWS}"))
        if len(row) > MAX_COLUMNS:
            raise FileRefused(limits.too_many_columns(f"超过{MAX_COLUMNS}"))
        for index, cell in enumerate(row, start=1):
            value = getattr(cell, "value", None)
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                name = f"{get_column_letter(index)}{number}"
                raise FileRefused(limits.cell_too_long(name, len(value)))
        yield row


def _check_header_merges(data: bytes, sheet_path: str) -> None:
    for ref in _merge_refs(data, sheet_path.lstrip("/")):
        min_col, min_row, max_col, _max_row = range_boundaries(ref.decode())
        if min_row == 1:
            # a merge is a range of cells: both columns are always given
            cells = f"{get_column_letter(min_col or 1)}1:{get_column_letter(max_col or 1)}1"
            raise FileRefused(
                f"表头（第1行）含有合并单元格 {cells}。请取消合并，每列一个表头后重新上传。"
            )


def _merge_refs(data: bytes, member: str) -> Iterator[bytes]:
    """The merged ranges of a sheet, read in chunks (memory stays bounded)."""
    tail = b""
    with zipfile.ZipFile(io.BytesIO(data)) as zipped, zipped.open(member) as xml:
        while chunk := xml.read(CHUNK_BYTES):
            text = tail + chunk
            end = 0
            for match in _MERGE.finditer(text):
                end = match.end()
                yield match.group(1)
            # keep an unfinished element for the next chunk, never one already matched
            tail = text[max(end, len(text) - MERGE_TAIL) :]


def _header_positions(
    header: list[Any], cols: tuple[Column, ...], required_headers: set[str]
) -> dict[str, int]:
    """Column key -> cell index, matched by header text (columns may be in any order)."""
    by_header = {c.header: c for c in cols}
    positions: dict[str, int] = {}
    unknown: list[str] = []
    for index, value in enumerate(header):
        text = str(value).strip() if value is not None else ""
        if not text:
            continue
        column = by_header.get(text)
        if column is None:
            unknown.append(f"{get_column_letter(index + 1)}列“{text}”")
        elif column.key in positions:
            raise FileRefused(f"表头中“{text}”出现了两次，请删除多余的列。")
        else:
            positions[column.key] = index
    missing = [
        h
        for h in sorted(required_headers, key=list(by_header).index)
        if by_header[h].key not in positions
    ]
    problems = []
    if missing:
        problems.append(f"缺少列：{'、'.join(missing)}")
    if unknown:
        problems.append(f"无法识别的列：{'、'.join(unknown)}")
    if problems:
        expected = "、".join(c.header for c in cols)
        raise FileRefused(f"{'；'.join(problems)}。第1行应为模板的表头：{expected}。")
    return positions


def _data_rows(rows: Iterator[tuple[Any, ...]], positions: dict[str, int]) -> Iterator[RawRow]:
    for number, row in enumerate(rows, start=2):
        cells: dict[str, Any] = {}
        formulas: list[str] = []
        for key, index in positions.items():
            cell = row[index] if index < len(row) else None
            value = getattr(cell, "value", None)
            if getattr(cell, "data_type", None) == "f":
                formulas.append(key)
            cells[key] = value.strip() if isinstance(value, str) else value
        if all(v is None or v == "" for v in cells.values()):
            continue
        yield RawRow(number, cells, tuple(formulas))
