"""Crafted workbooks (zip bombs, lying dimensions, huge cells, wide sheets) are refused quickly,
before or while streaming, at upload (the preview) and in the import job."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from app.excel import limits, services, storage
from app.excel.reader import FileRefused
from app.extensions import db
from app.models import Scenario
from tests.conftest import login
from tests.integration.test_excel_import import (
    count,
    scenario_row,
    upload,
    workbook_bytes,
)

SHEET = "xl/worksheets/sheet1.xml"
HEADER_ROW = scenario_row()
QUICK_SECONDS = 2.0  # a refusal must not keep a worker busy


def _replace(data: bytes, member: str, write: Callable[[io.BufferedIOBase], None]) -> bytes:
    """The same workbook with one member rewritten (streamed, so the test stays light)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for info in source.infolist():
            if info.filename == member:
                with target.open(member, "w", force_zip64=True) as stream:
                    write(stream)
            else:
                target.writestr(info, source.read(info))
    return out.getvalue()


def _sheet(rows: bytes, dimension: str | None = None, repeat: int = 1) -> Callable:
    """A writer of sheet XML: a header row of the template, then `rows` repeated."""
    headers = b"".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>'.encode() for h in HEADER_ROW)

    def write(stream: io.BufferedIOBase) -> None:
        stream.write(
            b'<?xml version="1.0" encoding="UTF-8"?>'
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        )
        if dimension:
            stream.write(f'<dimension ref="{dimension}"/>'.encode())
        stream.write(b"<sheetData><row>" + headers + b"</row>")
        for _ in range(repeat):
            stream.write(rows)
        stream.write(b"</sheetData></worksheet>")

    return write


def _base() -> bytes:
    return workbook_bytes("scenario", [])


def _refused(data: bytes, publisher, match: str) -> float:
    """Check the file; assert it is refused with the message; return the seconds it took."""
    started = time.perf_counter()
    with pytest.raises(FileRefused, match=match):
        services.check(data, "scenario", publisher)
    return time.perf_counter() - started


def _bomb(megabytes: int) -> bytes:
    """A sheet of `megabytes` MiB of rows, compressed about a thousand times."""
    row = b"<row>" + b'<c t="inlineStr"><is><t>' + b"A" * 100_000 + b"</t></is></c></row>"
    return _replace(_base(), SHEET, _sheet(row, repeat=megabytes * limits.MIB // len(row)))


def test_a_100_kib_file_expanding_to_99_mib_of_sheet_is_refused_before_parsing(
    client: FlaskClient, publisher
) -> None:
    data = _bomb(99)
    assert len(data) < 200 * 1024
    seconds = _refused(data, publisher, r"解压后超过压缩大小的100倍")
    assert seconds < QUICK_SECONDS
    login(client, publisher)
    preview = upload(client, data)
    assert "“xl/worksheets/sheet1.xml”解压后超过压缩大小的100倍" in preview.text
    assert count(Scenario) == 0


def test_the_import_job_refuses_the_same_file(client: FlaskClient, publisher) -> None:
    """A file saved before the limits (or by another path) is refused again by the job."""
    token = storage.save(_bomb(99), publisher.id, "scenario", "bomb.xlsx")
    db.session.commit()
    login(client, publisher)
    started = time.perf_counter()
    page = client.post(f"/imports/{token}/confirm", follow_redirects=True)
    assert time.perf_counter() - started < QUICK_SECONDS
    assert "解压后超过压缩大小的100倍" in page.text
    assert count(Scenario) == 0


def test_an_archive_expanding_beyond_the_total_limit_is_refused(
    publisher, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the real limit (100 MiB) takes 100 MiB to build: the same check at 1 MiB
    monkeypatch.setattr(limits, "MAX_UNCOMPRESSED_BYTES", limits.MIB)
    rows = b"".join(
        f'<row><c t="inlineStr"><is><t>{n * 7919 % 1000003}</t></is></c></row>'.encode()
        for n in range(30_000)
    )
    data = _replace(_base(), SHEET, _sheet(rows))
    _refused(data, publisher, r"文件解压后超过1MB")


def test_an_archive_with_too_many_members_is_refused(publisher) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_base())) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        for n in range(limits.MAX_MEMBERS):
            target.writestr(f"customXml/item{n}.xml", b"<x/>")
    _refused(out.getvalue(), publisher, rf"内部部件，超过上限{limits.MAX_MEMBERS}个")


def test_a_declared_dimension_of_the_whole_grid_is_refused_before_reading_rows(
    publisher,
) -> None:
    data = _replace(_base(), SHEET, _sheet(b"", dimension="A1:XFD1048576"))
    seconds = _refused(data, publisher, r"文件有1048575行数据，超过单次导入上限10000行")
    assert seconds < QUICK_SECONDS


def test_a_declared_width_beyond_the_limit_is_refused(publisher) -> None:
    data = _replace(_base(), SHEET, _sheet(b"", dimension="A1:XFD2"))
    _refused(data, publisher, rf"工作表有16384列，超过上限{limits.MAX_COLUMNS}列")


def test_a_dimension_that_understates_the_rows_does_not_hide_them(publisher) -> None:
    row = b'<row><c t="inlineStr"><is><t>title</t></is></c></row>'
    data = _replace(_base(), SHEET, _sheet(row, dimension="A1:L2", repeat=limits.MAX_ROWS + 1))
    _refused(data, publisher, rf"文件有超过{limits.MAX_ROWS}行数据")


def test_rows_beyond_the_limit_stop_reading_even_when_blank(publisher) -> None:
    """A single cell at the sheet's last row would otherwise be read as a million rows."""
    last = b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    seconds = _refused(
        _replace(_base(), SHEET, _sheet(last)), publisher, rf"文件有超过{limits.MAX_ROWS}行数据"
    )
    assert seconds < QUICK_SECONDS


def test_a_cell_beyond_the_column_limit_is_refused(publisher) -> None:
    wide = b'<row><c r="BZ2" t="inlineStr"><is><t>x</t></is></c></row>'  # column 78
    data = _replace(_base(), SHEET, _sheet(wide))
    _refused(data, publisher, rf"工作表有超过{limits.MAX_COLUMNS}列")


def test_a_huge_single_cell_is_refused_with_its_address(client: FlaskClient, publisher) -> None:
    # openpyxl cuts longer text when it saves: written as another program would
    huge = "很" * (limits.MAX_CELL_CHARS + 1)
    row = f'<row><c r="D2" t="inlineStr"><is><t>{huge}</t></is></c></row>'.encode()
    data = _replace(_base(), SHEET, _sheet(row))
    seconds = _refused(data, publisher, r"单元格 D2 有32768个字符，超过单个单元格上限32767个字符")
    assert seconds < QUICK_SECONDS
    login(client, publisher)
    assert "单元格 D2 有32768个字符" in upload(client, data).text


def test_a_full_template_is_within_every_limit(publisher) -> None:
    """The limits leave room for real files: 2,000 complete rows are read as usual."""
    data = workbook_bytes("scenario", [scenario_row(n) for n in range(2000)])
    preview = services.check(data, "scenario", publisher)
    assert preview.count("ok") == 2000
