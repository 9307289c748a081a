"""Query strings (search words, filters) are refused whole when they hold control characters."""

from __future__ import annotations

from flask import Flask, request
from werkzeug.wrappers import Response

from app.errors import render_error
from app.validators import has_control_chars

MESSAGE = "搜索词和筛选条件不能包含控制字符（如 NUL 等不可见字符），请删除后重试。"


def init_app(app: Flask) -> None:
    """Check every request's query string once, before any view reads it."""

    @app.before_request
    def _refuse_control_chars() -> tuple[Response | str, int] | None:
        for name, value in request.args.items(multi=True):
            if has_control_chars(name) or has_control_chars(value):
                return render_error(400, MESSAGE)
        return None
