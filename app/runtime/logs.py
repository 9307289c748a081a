"""Log records as one JSON object per line (or plain text), each with the request id."""

from __future__ import annotations

import logging

from flask import Flask
from pythonjsonlogger.json import JsonFormatter

from app.runtime.request_id import RequestIdFilter

TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
JSON_FIELDS = "%(levelname)s %(name)s %(message)s %(request_id)s"


def formatter(kind: str) -> logging.Formatter:
    """The formatter for LOG_FORMAT: 'json' for collectors, 'text' for a terminal."""
    if kind == "text":
        return logging.Formatter(TEXT_FORMAT)
    return JsonFormatter(
        JSON_FIELDS,
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",  # ISO 8601 in UTC, as in the access log
        json_ensure_ascii=False,  # Chinese messages stay readable
    )


def configure(app: Flask) -> None:
    """One handler on the application's logger; `app.*` module loggers propagate to it.

    The handler is replaced, not added, so building several apps in one process (tests, the
    job worker) never duplicates lines.
    """
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(app.config["LOG_FORMAT"]))
    handler.addFilter(RequestIdFilter())
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(app.config["LOG_LEVEL"])
