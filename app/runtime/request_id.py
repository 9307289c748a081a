"""A request id per request: the proxy's (X-Request-ID) when sane, else a new one; logged with
every message and returned to the client, so one id follows a request through every log."""

from __future__ import annotations

import logging
import re
import uuid

from flask import Flask, Response, g, has_request_context, request

# what an incoming id may look like (uuids, nginx's $request_id, our own 12 hex digits)
ACCEPTED = re.compile(r"[A-Za-z0-9._-]{8,64}")


class RequestIdFilter(logging.Filter):
    """Adds the current request id (or '-') to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Annotate the record; never drop it."""
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def incoming_or_new() -> str:
    """The client's (proxy's) X-Request-ID when it is a plain token, else a fresh one."""
    given = request.headers.get("X-Request-ID", "")
    return given if ACCEPTED.fullmatch(given) else uuid.uuid4().hex[:12]


def init_app(app: Flask) -> None:
    """Assign an id before each request and echo it in a response header."""

    @app.before_request
    def _assign() -> None:
        g.request_id = incoming_or_new()

    @app.after_request
    def _echo(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "-")
        return response
