"""Uploaded files kept server-side between the preview and the import (not in the cookie)."""

from __future__ import annotations

import json
import re
import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

MAX_AGE_SECONDS = 24 * 3600
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Upload:
    """A stored upload and who may use it."""

    token: str
    user_id: int
    kind: str
    filename: str
    data: bytes


def _folder() -> Path:
    folder = Path(
        current_app.config.get("IMPORT_DIR") or Path(tempfile.gettempdir()) / "jinan-imports"
    )
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def save(data: bytes, user_id: int, kind: str, filename: str) -> str:
    """Keep an upload; return its random token. Old uploads are removed on the way."""
    folder = _folder()
    _sweep(folder)
    token = secrets.token_hex(16)
    (folder / f"{token}.xlsx").write_bytes(data)
    meta = {"user_id": user_id, "kind": kind, "filename": filename[:200]}
    (folder / f"{token}.json").write_text(json.dumps(meta), encoding="utf-8")
    return token


def load(token: str, user_id: int) -> Upload | None:
    """The upload if it exists and belongs to the user; None otherwise."""
    if not _TOKEN.match(token):
        return None
    folder = _folder()
    try:
        meta = json.loads((folder / f"{token}.json").read_text(encoding="utf-8"))
        data = (folder / f"{token}.xlsx").read_bytes()
    except (OSError, ValueError):
        return None
    if meta.get("user_id") != user_id:
        return None
    return Upload(token, user_id, meta["kind"], meta["filename"], data)


def belongs(token: str, user_id: int) -> bool:
    """The upload exists and is the user's (reads only its small metadata file)."""
    if not _TOKEN.match(token):
        return False
    try:
        meta = json.loads((_folder() / f"{token}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return meta.get("user_id") == user_id


def set_progress(token: str, done: int, total: int) -> None:
    """Record how far the import of an upload has come (read by the progress endpoint)."""
    if _TOKEN.match(token):
        path = _folder() / f"{token}.progress"
        temporary = path.with_suffix(".progress-tmp")
        temporary.write_text(json.dumps({"done": done, "total": total}), encoding="utf-8")
        temporary.replace(path)  # atomic: a reader never sees half a file


def progress(token: str) -> dict[str, int] | None:
    """The recorded progress of an import, or None before it started."""
    try:
        return json.loads((_folder() / f"{token}.progress").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def discard(token: str) -> None:
    """Remove an upload (after import or cancel)."""
    if _TOKEN.match(token):
        for suffix in (".xlsx", ".json", ".progress"):
            (_folder() / f"{token}{suffix}").unlink(missing_ok=True)


def _sweep(folder: Path) -> None:
    limit = time.time() - MAX_AGE_SECONDS
    for path in folder.glob("*.*"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except OSError:
            continue
