"""Use cases of attachments: upload (size and content checked), list, delete, read the bytes."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import IO
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app import audit, storage
from app.attachments import sniff
from app.errors import DomainError
from app.extensions import db
from app.listing_kinds import kind_of
from app.models import Attachment, Capability, Scenario, User
from app.models.attachment import ATTACHMENT_KINDS
from app.security import policies

CHUNK = 64 * 1024
MAX_FILENAME = 200
# enough for proposals, case material and certificates; keeps one listing from filling the disk
MAX_PER_LISTING = 20


def attachments_of(listing: Scenario | Capability) -> list[Attachment]:
    """A listing's attachments, oldest first."""
    column = getattr(Attachment, kind_of(listing).foreign_key)
    query = (
        sa.select(Attachment)
        .where(column == listing.id)
        .options(selectinload(Attachment.uploader))
        .order_by(Attachment.created_at, Attachment.id)
    )
    return list(db.session.scalars(query))


def listing_of(attachment: Attachment) -> Scenario | Capability:
    """The scenario or capability the attachment belongs to."""
    if attachment.scenario_id is not None:
        return db.session.get_one(Scenario, attachment.scenario_id)
    return db.session.get_one(Capability, attachment.capability_id)


def clean_filename(raw: str) -> str:
    """The last path component, without control characters, at most 200 characters."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().strip(".")
    if len(name) > MAX_FILENAME:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem[: MAX_FILENAME - len(ext) - 1]}.{ext}" if dot else name[:MAX_FILENAME]
    return name


def add(
    user: User,
    listing: Scenario | Capability,
    filename: str,
    stream: IO[bytes],
    *,
    max_bytes: int,
) -> Attachment:
    """Store an upload under a random key once its size and content pass; refuse otherwise."""
    if not policies.can_manage_attachments(user, listing):
        raise DomainError(f"“{listing.status.label}”状态的内容不能修改附件。")
    if len(attachments_of(listing)) >= MAX_PER_LISTING:
        raise DomainError(f"每条内容最多上传{MAX_PER_LISTING}个附件，请先删除不需要的附件。")
    upload = store(filename, stream, max_bytes=max_bytes)
    attachment = Attachment(
        filename=upload.filename,
        stored_name=upload.key,
        kind=upload.kind,
        size=upload.size,
        sha256=upload.sha256,
        uploader_id=user.id,
        **{kind_of(listing).foreign_key: listing.id},
    )
    db.session.add(attachment)
    db.session.flush()
    audit.record(user, "attach", listing, note=upload.filename)
    return attachment


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed the checks and is now in app.storage under a random key."""

    filename: str  # the cleaned name the uploader gave (shown, never a path)
    key: str
    kind: str
    size: int
    sha256: str


def store(
    filename: str,
    stream: IO[bytes],
    *,
    max_bytes: int,
    kinds: Collection[str] | None = None,
) -> CheckedUpload:
    """Store an upload under a random key once its name, size and content pass; refuse otherwise.

    Every upload of the platform goes through here (listing and application attachments);
    kinds narrows the accepted kinds for a use case. A refused upload stores nothing.
    """
    name = clean_filename(filename)
    if not name:
        raise DomainError("请选择要上传的文件。", field="file")
    sniff.expected_kinds(name, kinds)  # a wrong extension is refused before anything is read
    data = _read(stream, max_bytes)
    kind = sniff.check(name, data, kinds)
    stored = storage.put(data)
    return CheckedUpload(name, stored.key, kind, stored.size, stored.sha256)


def _read(stream: IO[bytes], max_bytes: int) -> bytes:
    """Read the upload in chunks, stopping as soon as it is over the limit."""
    # the limit bounds memory too: at most max_bytes plus one chunk is ever held
    buffer = bytearray()
    while chunk := stream.read(CHUNK):
        if len(buffer) + len(chunk) > max_bytes:
            raise DomainError(
                f"文件超过大小限制，单个附件不能超过 {_human(max_bytes)}。", field="file"
            )
        buffer += chunk
    if not buffer:
        raise DomainError("文件是空的，请重新选择。", field="file")
    return bytes(buffer)


def _human(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    return f"{size / 1024:g} KB"


def delete(user: User, attachment: Attachment) -> None:
    """Remove the attachment and its bytes (both go when the request commits)."""
    listing = listing_of(attachment)
    if not policies.can_manage_attachments(user, listing):
        raise DomainError(f"“{listing.status.label}”状态的内容不能删除附件。")
    audit.record(user, "detach", listing, note=attachment.filename)
    storage.delete(attachment.stored_name)
    db.session.delete(attachment)
    db.session.flush()


def disposition(name: str, kind: str, fallback_stem: str) -> str:
    """A download header: an ASCII fallback name, and the real name per RFC 5987/6266."""
    plain = name.isascii() and name.isprintable() and not any(c in name for c in '"\\;%')
    ext = ATTACHMENT_KINDS[kind][1][0]
    fallback = name if plain else f"{fallback_stem}.{ext}"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def content(attachment: Attachment) -> bytes | None:
    """The attachment's bytes, or None when they are missing from the store."""
    return storage.read(attachment.stored_name)
