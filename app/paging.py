"""Numbers read from URLs (row ids in routes, page numbers, id filters), bounded the same way
by every page of the site."""

from __future__ import annotations

from typing import Any

from flask import request
from werkzeug.routing import IntegerConverter, Map

MAX_PAGE = 10_000  # no list is longer; the database would skip rows all the way there
MAX_ID = 2**31 - 1  # the largest id a row can have (INTEGER on both databases)


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: a number no row can have does not match (404), instead of
    reaching the database, which refuses it (a 500)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:  # noqa: A002 -- werkzeug's name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def parse_id(text: str | None) -> int | None:
    """Text a user sent as a row id or version: ASCII digits in 1..MAX_ID, else None.

    str.isdigit() alone is not enough: it accepts "²" (int() then raises) and 5,000 digits
    (int() refuses more than 4,300), and a number above MAX_ID overflows a PostgreSQL integer.
    """
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def page_arg() -> int:
    """`?page=`: 1 when absent, not a number or below 1; at most MAX_PAGE (an empty page past
    the end, as any page past a list's end), so a huge number never reaches the database."""
    page = request.args.get("page", 1, type=int) or 1
    return min(max(page, 1), MAX_PAGE)


def id_arg(name: str) -> int | None:
    """`?name=` as a row id (a filter): None when absent, not a number, or out of range."""
    value = request.args.get(name, type=int)
    return value if value is not None and 0 < value <= MAX_ID else None
