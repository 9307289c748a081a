"""The optional attachment of an application, through the platform's one upload mechanism.

app.attachments checks the content (magic bytes, OOXML main parts), the size while streaming,
stores the bytes in app.storage under a random key and sends downloads with safe headers;
this module only narrows the kinds and maps the stored file onto the engagement's two columns
(the access rule stays with the engagement views).
"""

from __future__ import annotations

from typing import IO

from app import storage
from app.attachments import services as files
from app.attachments import sniff
from app.errors import DomainError

# what a proposal is written in; images and spreadsheets belong on the listings
KINDS = ("pdf", "docx", "pptx")


def store(filename: str, stream: IO[bytes], max_bytes: int) -> tuple[str, str]:
    """Check and store an upload; return (name shown, storage key) or refuse."""
    try:
        stored = files.store(filename, stream, max_bytes=max_bytes, kinds=KINDS)
    except DomainError as error:
        # the shared checks speak of "file"; on the application form the field is "attachment"
        raise DomainError(error.message, field="attachment") from error
    return stored.filename, stored.key


def discard(key: str) -> None:
    """Remove a stored file whose application was refused."""
    storage.delete(key)


def content(key: str) -> bytes | None:
    """The attachment's bytes, or None (no attachment, a key the store never gave, bytes gone)."""
    return storage.read(key) if key else None


def kind_of(name: str) -> str | None:
    """The kind of an application attachment, by the name's extension.

    The extension was checked against the content when the file was uploaded, so it is the kind.
    """
    kinds = [kind for kind in sniff.kinds_for_extension(sniff.extension(name)) if kind in KINDS]
    return kinds[0] if kinds else None
