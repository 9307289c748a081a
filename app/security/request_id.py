"""A short id per request, logged with every message and returned to the client."""

from __future__ import annotations

import logging
import uuid

from flask import Flask, Response, g, has_request_context


class RequestIdFilter(logging.Filter):
    """Adds the current request id (or '-') to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Annotate the record; never drop it."""
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def init_app(app: Flask) -> None:
    """Assign an id before each request and echo it in a response header."""

    @app.before_request
    def _assign() -> None:
        g.request_id = uuid.uuid4().hex[:12]

    @app.after_request
    def _echo(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "-")
        return response
