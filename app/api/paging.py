"""Cursor pagination of /api/v1 lists: opaque, signed cursors and the `next` link.

Interface for every /api/v1 blueprint:

- ``LIMIT_DEFAULT`` (20) and ``LIMIT_MAX`` (100): ``limit`` outside 1..100 is a 400 (declare it
  in the query schema with ``PageArgs`` fields, or read it with ``limit_arg``).
- ``encode_cursor(position)`` turns the position after the last item returned (a list of
  JSON values, e.g. ``["2026-05-01T08:00:00+00:00", 42]``) into an opaque string, signed with
  the application's key and bound to the endpoint and its other query arguments: a cursor
  edited by hand, or replayed with different filters, is refused.
- ``decode_cursor(text)`` gives the position back, or ``None`` when no cursor was sent; a
  malformed, forged or foreign cursor stops the request with a 400 problem document.
- ``next_link(position)`` the absolute URL of the next page (the same arguments and a new
  ``cursor``), or ``None`` when ``position`` is None (the last page).
- ``page_body(items, position)`` the envelope every list returns:
  ``{"items": [...], "next": url-or-null, "next_cursor": str-or-null}``.

A typical keyset page reads ``limit + 1`` rows ordered by a unique key; when the extra row
exists, the position of the last row kept is the next cursor.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from flask import current_app, request, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from marshmallow import Schema, fields, validate

from app.errors.problems import abort_problem

LIMIT_DEFAULT = 20
LIMIT_MAX = 100
CURSOR_MAX_CHARS = 500
SALT = "api-v1-cursor"
BAD_CURSOR = "cursor 参数无效：请使用上一页响应中 next 链接给出的游标，且不要改变其他查询参数。"
PAGING_ARGS = ("cursor", "limit")
# what app.security.query_args refuses in any query string, stated in the document
NO_CONTROL_CHARS = validate.Regexp(
    r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$", error="不能包含控制字符。"
)


class PageArgs(Schema):
    """The paging arguments every list accepts (a base for its query-string schema)."""

    limit = fields.Integer(
        load_default=LIMIT_DEFAULT,
        strict=False,
        error_messages={"invalid": "limit 必须是整数。"},
        validate=validate.Range(min=1, max=LIMIT_MAX, error="limit 必须在 1 到 100 之间。"),
        metadata={"description": "每页条数（1–100，默认 20）"},
    )
    cursor = fields.String(
        load_default=None,
        error_messages={"invalid": "cursor 必须是文本。"},
        validate=[
            validate.Length(max=CURSOR_MAX_CHARS, error="cursor 参数过长。"),
            NO_CONTROL_CHARS,
        ],
        metadata={"description": "上一页响应中 next_cursor 的值（不透明字符串）"},
    )


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _scope() -> str:
    """The endpoint and its arguments other than paging: what a cursor is valid for."""
    args = sorted(
        (name, value) for name, value in request.args.items(multi=True) if name not in PAGING_ARGS
    )
    text = f"{request.endpoint}|{request.view_args}|{args}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def encode_cursor(position: Sequence[Any]) -> str:
    """An opaque cursor for the position after the last item returned (JSON values)."""
    return _serializer().dumps([_scope(), list(position)])


def decode_cursor(text: str | None) -> list[Any] | None:
    """The position a cursor holds, None without one; a bad cursor is a 400 problem."""
    if text is None or text == "":
        return None
    if len(text) > CURSOR_MAX_CHARS:
        abort_problem(400, BAD_CURSOR)
    try:
        scope, position = _serializer().loads(text)
    except (BadSignature, ValueError, TypeError):
        abort_problem(400, BAD_CURSOR)
    if scope != _scope() or not isinstance(position, list):
        abort_problem(400, BAD_CURSOR)
    return position


def limit_arg() -> int:
    """``?limit=`` read by hand (for views without a query schema): 1..100, default 20."""
    raw = request.args.get("limit")
    if raw is None:
        return LIMIT_DEFAULT
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw[:4]) <= LIMIT_MAX:
        abort_problem(400, "limit 必须是 1 到 100 之间的整数。")
    return int(raw)


def next_link(position: Sequence[Any] | None) -> str | None:
    """The absolute URL of the next page, or None on the last page."""
    if position is None:
        return None
    args: dict[str, Any] = {
        k: v for k, v in request.args.to_dict(flat=False).items() if k != "cursor"
    }
    endpoint = request.endpoint or ""
    return url_for(
        endpoint,
        **(request.view_args or {}),
        **args,
        cursor=encode_cursor(position),
        _external=True,
    )


def page_body(items: list[Any], position: Sequence[Any] | None) -> dict[str, Any]:
    """The envelope of one page of a list."""
    return {
        "items": items,
        "next": next_link(position),
        "next_cursor": encode_cursor(position) if position is not None else None,
    }
