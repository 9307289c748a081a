"""Attachments of scenarios and capabilities: checked by content, stored in app.storage."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

bp = Blueprint("attachments", __name__)

from app.attachments import views  # noqa: E402, F401  (routes register on import)


@bp.app_template_global()
def attachments_of(listing: Any) -> list[Any]:
    """A listing's attachments, oldest first (for the detail pages)."""
    from app.attachments.services import attachments_of as query

    return query(listing)


@bp.record_once
def _register_too_large(state: Any) -> None:
    """A request over MAX_CONTENT_LENGTH gets a page that says what the limit is."""
    from app.errors import render_error

    def too_large(_error: RequestEntityTooLarge) -> tuple[Response | str, int]:
        limit = current_app.config["ATTACHMENT_MAX_BYTES"]
        return render_error(413, f"上传的文件过大，单个附件不能超过 {limit // (1024 * 1024)} MB。")

    state.app.register_error_handler(RequestEntityTooLarge, too_large)


@bp.app_template_global()
def can_download(listing: Any) -> bool:
    """Whether the current user may download the listing's attachments."""
    from flask_login import current_user

    from app.security.policies import can_download_attachment

    return can_download_attachment(current_user, listing)
