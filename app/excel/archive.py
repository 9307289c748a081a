"""Inspecting an uploaded .xlsx zip before any of it is decompressed or parsed."""

from __future__ import annotations

import io
import zipfile

from app.excel import limits


def inspect(data: bytes) -> str | None:
    """Why the archive is refused (a Chinese message), or None when it is within the limits.

    Only the central directory is read. The sizes it declares bound what can be read later:
    zipfile stops a member at its declared size (and refuses it on the CRC check), so a
    member cannot expand beyond what is checked here.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None  # not a zip at all: the reader refuses it as "not an Excel file"
    if len(members) > limits.MAX_MEMBERS:
        return limits.too_many_members(len(members))
    if sum(m.file_size for m in members) > limits.MAX_UNCOMPRESSED_BYTES:
        return limits.too_large()
    for member in members:
        if member.file_size > limits.RATIO_FLOOR_BYTES and member.file_size > (
            limits.MAX_RATIO * max(member.compress_size, 1)
        ):
            return limits.too_compressed(member.filename)
    return None
