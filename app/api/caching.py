"""HTTP caching of /api/v1 responses: ETag, Last-Modified, 304, Cache-Control.

Every successful GET of an API blueprint gets, automatically (app.api.hooks):

- a strong ``ETag`` computed from the response body (unless the view set one);
- ``Cache-Control: public, max-age=API_CACHE_SECONDS`` for anonymous requests, ``private``
  for requests with a token (unless the view set its own);
- ``304 Not Modified`` when ``If-None-Match`` names the ETag (or ``If-Modified-Since`` is not
  older than ``Last-Modified``), with an empty body.

Views only add what they know: ``last_modified_headers(when)`` gives the ``Last-Modified``
header for the newest change behind a response (flask-smorest views return
``data, 200, last_modified_headers(when)``, or ``one_resource(...)`` for a single resource);
``newest(...)`` picks the latest of several times.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from flask import Response, current_app, request
from werkzeug.http import http_date

from app.errors.problems import abort_problem


class Stamped(Protocol):
    """A stored resource: it knows when it last changed."""

    @property
    def updated_at(self) -> datetime: ...


R = TypeVar("R", bound=Stamped)


def _utc(moment: datetime) -> datetime:
    """SQLite gives naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def newest(moments: Iterable[datetime | None]) -> datetime | None:
    """The latest of some times (None ignored), or None."""
    known = [_utc(m) for m in moments if m is not None]
    return max(known) if known else None


def last_modified_headers(moment: datetime | None) -> dict[str, str]:
    """The Last-Modified header for a time (whole seconds, as HTTP dates are), or none."""
    if moment is None:
        return {}
    return {"Last-Modified": http_date(_utc(moment).replace(microsecond=0))}


def one_resource(
    found: R | None, missing: str, represent: Callable[[R], dict[str, Any]]
) -> tuple[dict[str, Any], int, dict[str, str]]:
    """A found resource's representation with its Last-Modified, or a 404 problem (`missing`)."""
    if found is None:
        abort_problem(404, missing)
    return represent(found), 200, last_modified_headers(found.updated_at)


def body_etag(response: Response) -> str:
    """A strong validator of a response body."""
    return hashlib.sha256(response.get_data()).hexdigest()[:32]


def apply(response: Response, *, private: bool) -> Response:
    """ETag, Cache-Control and the 304 answer for a successful GET or HEAD response."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    if response.is_streamed:  # bulk downloads: the view sets its own validators
        return response
    if not response.get_etag()[0]:
        response.set_etag(body_etag(response))
    if "Cache-Control" not in response.headers:
        seconds = current_app.config["API_CACHE_SECONDS"]
        scope = "private" if private else "public"
        response.headers["Cache-Control"] = f"{scope}, max-age={seconds}"
    response.make_conditional(request)  # in place (it returns the response, typed as werkzeug's)
    return response
