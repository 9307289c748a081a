"""The optional attachment of an application: checked by type and content, stored privately."""

from __future__ import annotations

import uuid
from pathlib import Path

from werkzeug.datastructures import FileStorage

from app.errors import DomainError

# extension → how the file must begin (a renamed executable is refused, not just trusted)
SIGNATURES = {"pdf": b"%PDF-", "docx": b"PK\x03\x04", "pptx": b"PK\x03\x04"}
FOLDER = "engagements"


def folder(upload_dir: str | Path) -> Path:
    """Where application attachments live (outside the static folder: served with a check)."""
    return Path(upload_dir) / FOLDER


def display_name(filename: str) -> str:
    """The uploaded name without any path (only shown and offered as download name)."""
    return filename.replace("\\", "/").rsplit("/", 1)[-1].strip()[:200]


def store(upload: FileStorage, upload_dir: str | Path) -> tuple[str, str]:
    """Check and save an upload; return (name shown, stored file name)."""
    name = display_name(upload.filename or "")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in SIGNATURES:
        raise DomainError("附件仅支持 PDF、DOCX 或 PPTX 格式。", field="attachment")
    head = upload.stream.read(8)
    upload.stream.seek(0)
    if not head.startswith(SIGNATURES[extension]):
        raise DomainError("附件内容与文件格式不符，请重新导出后上传。", field="attachment")
    stored = f"{uuid.uuid4().hex}.{extension}"
    target = folder(upload_dir)
    target.mkdir(parents=True, exist_ok=True)
    upload.save(target / stored)
    return name, stored


def discard(stored: str, upload_dir: str | Path) -> None:
    """Remove a stored file whose application was refused."""
    (folder(upload_dir) / stored).unlink(missing_ok=True)
