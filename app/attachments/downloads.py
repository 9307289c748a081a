"""The one way a stored upload is sent back: as a download, with headers a browser cannot misread."""

from __future__ import annotations

import io

from flask import send_file
from werkzeug.wrappers import Response

from app.attachments.services import disposition
from app.models.attachment import ATTACHMENT_KINDS


def send(data: bytes, *, name: str, kind: str, fallback_stem: str) -> Response:
    """The file as an attachment of its checked kind; never rendered inline, never cached."""
    # send_file, not a plain Response: it keeps answering Range requests (resumed downloads)
    response = send_file(io.BytesIO(data), mimetype=ATTACHMENT_KINDS[kind][0], max_age=0)
    response.headers["Content-Disposition"] = disposition(name, kind, fallback_stem)
    # the type is the one we detected; the browser must not guess another (an HTML "pdf")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
