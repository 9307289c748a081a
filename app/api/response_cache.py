"""Anonymous-equal API answers from a short-lived shared copy, as the public pages are
(app.runtime.page_cache): most requests for a list ask for the same first pages.

The body of a successful GET is kept API_RESPONSE_CACHE_SECONDS (5: a newly published
listing still appears everywhere within the ten seconds the platform promises) in Redis when
REDIS_URL is set, else in a small per-process store, keyed by the full path. The answer does
not depend on who asks (the API ignores cookies, and a token changes only the limit), so token
requests are served from it too — after their token is checked, counted and audited. Headers
(ETag, 304, Cache-Control, gzip) are computed from the body each time. A view whose answer
must never be kept (a change feed's newest page, say) sets ``Cache-Control: no-store``;
streamed answers are never kept. 0 turns it off.
"""

from __future__ import annotations

from cachelib import BaseCache
from flask import Flask, Response, current_app, g, request

from app.runtime.page_cache import Breaker, _backend

KEY_PREFIX = "api:"
STORE = "api_response_cache"


def _store() -> BaseCache | None:
    return current_app.extensions.get(STORE)


def _breaker() -> Breaker:
    """Set up with the store (read only once _store() gave one)."""
    breaker: Breaker = current_app.extensions[STORE + ".breaker"]
    return breaker


def serve() -> Response | None:
    """The kept body for this GET, or None (and the request is marked to store its answer)."""
    store = _store()
    if store is None or request.method != "GET" or not _breaker().open:
        return None
    try:
        body = store.get(KEY_PREFIX + request.full_path)
    except Exception as error:  # Redis unreachable: answer from the database
        _breaker().trip("read", error)
        return None
    if body is None:
        g.api_cache_miss = True
        return None
    return current_app.response_class(body, mimetype="application/json")


def keep(response: Response) -> None:
    """Store a fresh successful JSON answer of a request that missed."""
    store = _store()
    if not g.get("api_cache_miss") or store is None or not _breaker().open:
        return
    if response.status_code != 200 or response.mimetype != "application/json":
        return
    if response.is_streamed or response.cache_control.no_store:  # a view's opt-out
        return
    try:
        store.set(
            KEY_PREFIX + request.full_path,
            response.get_data(),
            timeout=current_app.config["API_RESPONSE_CACHE_SECONDS"],
        )
    except Exception as error:
        _breaker().trip("write", error)


def init_app(app: Flask) -> None:
    """Create the store (nothing when API_RESPONSE_CACHE_SECONDS is 0)."""
    if app.config["API_RESPONSE_CACHE_SECONDS"] > 0:
        app.extensions[STORE] = _backend(app)
        app.extensions[STORE + ".breaker"] = Breaker()
