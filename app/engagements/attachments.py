"""The optional attachment of an application, through the platform's one upload mechanism.

app.attachments checks the content (magic bytes, OOXML main parts), the size while streaming,
stores under a random name in ATTACHMENT_DIR and sends downloads with safe headers; this module
only narrows the kinds, keeps application files in their own sub-folder and maps the stored
file onto the engagement's two columns (the access rule stays with the engagement views).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import IO

from app.attachments import services as files
from app.attachments import sniff
from app.errors import DomainError

# what a proposal is written in; images and spreadsheets belong on the listings
KINDS = ("pdf", "docx", "pptx")
FOLDER = "engagements"
# names this module gave: random hex, with an extension on files stored before the merge
STORED_NAME = re.compile(r"[0-9a-f]{32}(\.[a-z]{3,4})?")


def folder(attachment_dir: str | Path) -> Path:
    """Where application attachments live: a sub-folder of ATTACHMENT_DIR (outside static/)."""
    return Path(attachment_dir) / FOLDER


def store(
    filename: str, stream: IO[bytes], attachment_dir: str | Path, max_bytes: int
) -> tuple[str, str]:
    """Check and save an upload; return (name shown, stored file name) or refuse."""
    try:
        stored = files.store(
            filename, stream, directory=folder(attachment_dir), max_bytes=max_bytes, kinds=KINDS
        )
    except DomainError as error:
        # the shared checks speak of "file"; on the application form the field is "attachment"
        raise DomainError(error.message, field="attachment") from error
    return stored.filename, stored.stored_name


def discard(stored: str, attachment_dir: str | Path) -> None:
    """Remove a stored file whose application was refused."""
    path = stored_path(stored, attachment_dir)
    if path is not None:
        path.unlink(missing_ok=True)


def stored_path(stored: str, attachment_dir: str | Path) -> Path | None:
    """The file's path, or None for a name this module did not give."""
    if not STORED_NAME.fullmatch(stored):
        return None
    return folder(attachment_dir) / stored


def kind_of(name: str) -> str | None:
    """The kind of an application attachment, by the name's extension.

    The extension was checked against the content when the file was uploaded, so it is the kind.
    """
    kinds = [kind for kind in sniff.kinds_for_extension(sniff.extension(name)) if kind in KINDS]
    return kinds[0] if kinds else None
