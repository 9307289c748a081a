"""Small, valid sample files of every accepted kind (built in memory, no fixtures on disk)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

OOXML_MAIN = {
    "docx": "word/document.xml",
    "xlsx": "xl/workbook.xml",
    "pptx": "ppt/presentation.xml",
}


def pdf() -> bytes:
    """A minimal PDF."""
    return b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def png() -> bytes:
    """A 1x1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    """The start of a JPEG (SOI, APP0 JFIF) and its end marker."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def ooxml(kind: str, content_types: bool = True) -> bytes:
    """A zip package shaped like a docx, xlsx or pptx."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if content_types:
            archive.writestr(_entry("[Content_Types].xml"), '<?xml version="1.0"?><Types/>')
        archive.writestr(_entry(OOXML_MAIN[kind]), '<?xml version="1.0"?><root/>')
    return buffer.getvalue()


def _entry(name: str) -> zipfile.ZipInfo:
    """A zip entry with a fixed date, so the same call gives the same bytes on every run."""
    return zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))


def plain_zip() -> bytes:
    """A zip that is no Office document."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return buffer.getvalue()


def ole2(stream: str) -> bytes:
    """A compound file whose directory (sector 1) names one stream, as doc and xls are."""
    header = bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * (512 - 8)
    entry = (stream.encode("utf-16-le") + b"\x00\x00").ljust(128, b"\x00")
    root = ("Root Entry".encode("utf-16-le") + b"\x00\x00").ljust(128, b"\x00")
    return header + root + entry + b"\x00" * (512 - 256)


def exe() -> bytes:
    """The start of a Windows executable."""
    return b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120 + b"This program cannot be run in DOS mode"
