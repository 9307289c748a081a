"""The limits an uploaded workbook must stay within, in one place (docs/security-abuse.md).

A .xlsx is a zip of XML: a small upload can expand to a sheet that keeps a worker busy for
minutes. The archive is inspected before openpyxl parses anything, and the sheet is then read
as a stream that stops at the first row, column or cell beyond these limits.
"""

from __future__ import annotations

MIB = 1024 * 1024

MAX_ROWS = 10_000  # data rows per file (the header row is not counted)
MAX_COLUMNS = 50  # the templates have at most 14 columns; room for notes users add
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell: no real file has a longer one
MAX_MEMBERS = 200  # a workbook saved by Excel or WPS has a few dozen parts
# a full file of 10,000 rows with long texts expands to about 60 MB of XML
MAX_UNCOMPRESSED_BYTES = 100 * MIB
# XML compresses about 5-30 times; a part that compresses far better is made to expand
MAX_RATIO = 100
RATIO_FLOOR_BYTES = 1 * MIB  # small parts (styles, empty sheets) may compress very well


def too_large() -> str:
    """The whole archive expands beyond the limit."""
    return (
        f"文件解压后超过{MAX_UNCOMPRESSED_BYTES // MIB}MB，超出导入上限。"
        "请删除无关的工作表、图片和格式，或拆分为多个文件分批导入。"
    )


def too_compressed(name: str) -> str:
    """One part expands far more than any spreadsheet does."""
    return (
        f"文件中的“{name}”解压后超过压缩大小的{MAX_RATIO}倍，不像正常的 Excel 工作簿，"
        "已拒绝读取。请在 Excel 中另存为 .xlsx 后重新上传。"
    )


def too_many_members(count: int) -> str:
    """The archive holds more parts than a workbook has."""
    return f"文件包含{count}个内部部件，超过上限{MAX_MEMBERS}个，不像正常的 Excel 工作簿。"


def too_many_rows(count: int | str) -> str:
    """More data rows than one import takes."""
    return (
        f"文件有{count}行数据，超过单次导入上限{MAX_ROWS}行。请拆分为多个文件分批导入"
        "（若表格末尾有大量空白但设置过格式的行，请删除这些行后重试）。"
    )


def too_many_columns(count: int | str) -> str:
    """More columns than any template has."""
    return (
        f"工作表有{count}列，超过上限{MAX_COLUMNS}列。请使用导入模板，"
        "并删除模板以外的列（包括设置过格式的空白列）后重试。"
    )


def cell_too_long(cell: str, length: int) -> str:
    """One cell longer than Excel itself allows."""
    return f"单元格 {cell} 有{length}个字符，超过单个单元格上限{MAX_CELL_CHARS}个字符。"
