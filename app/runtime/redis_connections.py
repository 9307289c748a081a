"""One Redis client per URL and process, shared by the job queues and the page cache."""

from __future__ import annotations

from functools import cache

from redis import Redis


@cache
def connection(url: str) -> Redis:
    """One client (and connection pool) per Redis URL and process."""
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
