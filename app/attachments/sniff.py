"""What a file really is, judged by its bytes (magic numbers and container structure)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Collection

from app.errors import DomainError
from app.models.attachment import ATTACHMENT_KINDS

PDF = b"%PDF-"
PNG = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8\xff"
OLE2 = bytes.fromhex("d0cf11e0a1b11ae1")  # old Office (doc, xls) compound files
ZIP = b"PK\x03\x04"
# the part an Office Open XML package of each kind must hold besides [Content_Types].xml
OOXML_MAIN_PARTS = {
    "docx": "word/document.xml",
    "xlsx": "xl/workbook.xml",
    "pptx": "ppt/presentation.xml",
}
# the stream a compound file of each kind must hold (directory entries are UTF-16LE names)
OLE2_STREAMS = {"doc": ("WordDocument",), "xls": ("Workbook", "Book")}
OLE2_ENTRY = 128  # directory entries are 128 bytes, aligned in their sectors
KIND_NAMES = {
    "pdf": "PDF 文档",
    "png": "PNG 图片",
    "jpeg": "JPEG 图片",
    "docx": "Word 文档（docx）",
    "xlsx": "Excel 表格（xlsx）",
    "pptx": "PowerPoint 演示文稿（pptx）",
    "doc": "Word 文档（doc）",
    "xls": "Excel 表格（xls）",
}
ALLOWED = "PDF、PNG/JPEG 图片和 Office 文档（docx、xlsx、pptx、doc、xls）"


def extension(filename: str) -> str:
    """The lower-case extension of a file name, without the dot."""
    _, dot, ext = filename.rpartition(".")
    return ext.lower() if dot else ""


def kinds_for_extension(ext: str) -> list[str]:
    """The kinds a file with this extension may be."""
    return [kind for kind, (_, exts) in ATTACHMENT_KINDS.items() if ext in exts]


def detect(data: bytes, hint: str = "") -> str | None:
    """The kind of file data is, or None when it is none we accept.

    hint is the kind the extension suggests: old Office files share one container, so the
    container is checked for that kind's stream first.
    """
    head = data[:8]
    if head.startswith(PDF):
        return "pdf"
    if head.startswith(PNG):
        return "png"
    if head.startswith(JPEG):
        return "jpeg"
    if head.startswith(ZIP):
        return _ooxml_kind(data)
    if head.startswith(OLE2):
        return _ole2_kind(data, hint)
    return None


def _ooxml_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    for kind, part in OOXML_MAIN_PARTS.items():
        if part in names:
            return kind
    return None


def _ole2_kind(data: bytes, hint: str) -> str | None:
    order = (
        [hint, *(k for k in OLE2_STREAMS if k != hint)] if hint in OLE2_STREAMS else OLE2_STREAMS
    )
    for kind in order:
        if any(_has_stream(data, name) for name in OLE2_STREAMS[kind]):
            return kind
    return None


def _has_stream(data: bytes, name: str) -> bool:
    needle = name.encode("utf-16-le") + b"\x00\x00"
    start = data.find(needle)
    while start != -1:
        if start % OLE2_ENTRY == 0:
            return True
        start = data.find(needle, start + 1)
    return False


def describe(kinds: Collection[str]) -> str:
    """How a refusal names the accepted kinds, e.g. "PDF、DOCX 或 PPTX 文件"."""
    names = [kind.upper() for kind in kinds]
    listed = "、".join(names[:-1]) + f" 或 {names[-1]}" if len(names) > 1 else names[0]
    return f"{listed} 文件"


def expected_kinds(filename: str, kinds: Collection[str] | None = None) -> list[str]:
    """The kinds the file's extension allows (within kinds, if given); refuse when none.

    Cheap, by name only: callers use it to refuse before a single byte is written.
    """
    ext = extension(filename)
    expected = [kind for kind in kinds_for_extension(ext) if kinds is None or kind in kinds]
    if not expected:
        allowed = ALLOWED if kinds is None else describe(kinds)
        raise DomainError(
            f"不支持的文件类型“.{ext or '无扩展名'}”，只能上传{allowed}。", field="file"
        )
    return expected


def check(filename: str, data: bytes, kinds: Collection[str] | None = None) -> str:
    """The file's kind when its content is accepted and matches its extension; else refuse.

    kinds narrows what this upload may be (a use case that takes fewer kinds than listings do).
    """
    expected = expected_kinds(filename, kinds)
    ext = extension(filename)
    kind = detect(data, hint=expected[0])
    if kind is None:
        raise DomainError(
            f"文件“{filename}”的内容不是有效的{KIND_NAMES[expected[0]]}，已拒绝上传。", field="file"
        )
    if kind not in expected:
        raise DomainError(
            f"文件“{filename}”的内容是{KIND_NAMES[kind]}，与扩展名“.{ext}”不符，已拒绝上传。",
            field="file",
        )
    return kind
