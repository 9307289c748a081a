"""Public pages served to anonymous visitors from a short-lived shared copy.

Most visitors are anonymous and most of them look at the same pages (the home page, the first
pages of the lists, popular listings). Their HTML is the same for everyone, so it is kept for
PAGE_CACHE_SECONDS (a few seconds: a newly published listing still appears everywhere within
the ten seconds the platform promises) in Redis when REDIS_URL is set — shared by every worker
of every machine — or in a small per-process store otherwise.

Only GET requests to the endpoints listed below, from visitors who are not signed in and have
no message waiting to be shown, are served from or stored in the cache; only complete HTML
pages (200) that set no cookie are stored. A cache that fails (Redis down) is a miss.

The same URL answers in Chinese or in English (app.i18n: the visitor's language cookie), so
a copy is kept per language: the key is the request's locale and its path with the query.

When a copy turns PAGE_CACHE_SECONDS old, one request renders the page again while the others
are served the old copy for at most REFRESH_SECONDS more: a popular page is not rendered by
every worker at once the moment its copy expires (which made its p99 ten times its p50).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask, Response, g, request, session
from flask_caching.backends import RedisCache, SimpleCache
from flask_login import current_user

from app.i18n import request_locale
from app.public_pages import PUBLIC_PAGES

logger = logging.getLogger(__name__)

CACHEABLE_ENDPOINTS = PUBLIC_PAGES
KEY_PREFIX = "page:"
REFRESH_SECONDS = 3  # an expired copy is still served this long while one request renders
LOCAL_ENTRIES = 500  # per process, without Redis: at most a few megabytes
PAUSE_SECONDS = 30  # after a failure the cache is left alone this long (no wait per page)


class Breaker:
    """Stops using a failing cache for a while, so an unreachable Redis costs one timeout."""

    def __init__(self) -> None:
        self.closed_until = 0.0

    @property
    def open(self) -> bool:
        """Whether the cache may be used now."""
        return time.monotonic() >= self.closed_until

    def trip(self, what: str, error: Exception) -> None:
        """Record a failure: log it once, then leave the cache alone for a while."""
        self.closed_until = time.monotonic() + PAUSE_SECONDS
        logger.warning(
            "page cache %s failed (%s); pages rendered for %s s", what, error, PAUSE_SECONDS
        )


def _backend(app: Flask) -> Any:
    if app.config["REDIS_URL"]:
        from app.runtime.redis_connections import connection

        client = connection(app.config["REDIS_URL"])
        return RedisCache(host=client, key_prefix=KEY_PREFIX)
    return SimpleCache(threshold=LOCAL_ENTRIES)


def _cacheable_request() -> bool:
    return (
        request.method == "GET"
        and request.endpoint in CACHEABLE_ENDPOINTS
        and not session.get("_flashes")
        and not current_user.is_authenticated
    )


def _key() -> str:
    return f"{request_locale()}:{request.full_path}"


def _fresh_key(key: str) -> str:
    return "fresh:" + key


def _refresh_key(key: str) -> str:
    return "refresh:" + key


def init_app(app: Flask) -> None:
    """Serve hits before the view runs; store fresh pages after it."""
    ttl = app.config["PAGE_CACHE_SECONDS"]
    if ttl <= 0:
        return
    store = app.extensions["page_cache"] = _backend(app)
    breaker = Breaker()

    def _lookup(key: str) -> tuple[bytes | None, str]:
        """The copy to serve and how ("hit", "stale"), or None when this request renders."""
        page, fresh = store.get_many(key, _fresh_key(key))
        if page is None:
            return None, "miss"
        if fresh is not None:
            return page, "hit"
        if store.add(_refresh_key(key), 1, timeout=REFRESH_SECONDS):
            return None, "miss"  # this request renders it again
        return page, "stale"  # another one is rendering it

    @app.before_request
    def _serve_hit() -> Response | None:
        if not _cacheable_request():
            return None
        g.page_cache_miss = True
        if not breaker.open:
            return None
        try:
            page, how = _lookup(_key())
        except Exception as error:  # Redis unreachable: render the page
            breaker.trip("read", error)
            return None
        if page is None:
            return None
        g.page_cache_miss = False
        g.page_cache_hit = how
        return Response(page, mimetype="text/html")

    @app.after_request
    def _store_miss(response: Response) -> Response:
        if g.get("page_cache_hit"):
            response.headers["X-Page-Cache"] = g.page_cache_hit
        if not g.get("page_cache_miss"):
            return response
        response.headers["X-Page-Cache"] = "miss"
        storable = (
            response.status_code == 200
            and response.mimetype == "text/html"
            and not response.cache_control.no_store  # a signed-in user's page, never shared
        )
        if storable and "Set-Cookie" not in response.headers and breaker.open:
            key = _key()
            try:
                store.set(key, response.get_data(), timeout=ttl + REFRESH_SECONDS)
                store.set(_fresh_key(key), 1, timeout=ttl)
                store.delete(_refresh_key(key))
            except Exception as error:
                breaker.trip("write", error)
        return response
