"""Anonymous visitors get public pages from a short-lived shared copy; nobody else does."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from redis import Redis

from app.models import ListingStatus, Role, User
from tests.conftest import REDIS_URL, login
from tests.factories import make_org, make_scenario


@pytest.fixture
def cached(fresh_app: Callable[..., Flask]) -> Flask:
    """An app with the page cache on (the suite's app has it off)."""
    return fresh_app(PAGE_CACHE_SECONDS=60)


def test_an_anonymous_visitor_gets_the_stored_copy_until_it_expires(
    cached: Flask, publisher: User
) -> None:
    make_scenario(publisher.organization, title="第一个场景")
    client = cached.test_client()
    first = client.get("/scenarios")
    assert first.headers["X-Page-Cache"] == "miss"
    assert "Set-Cookie" not in first.headers  # nothing personal: storable
    make_scenario(publisher.organization, title="第二个场景")
    second = client.get("/scenarios")
    assert second.headers["X-Page-Cache"] == "hit"
    assert second.get_data() == first.get_data()
    assert second.headers["X-Request-ID"] != first.headers["X-Request-ID"]
    assert "default-src 'self'" in second.headers["Content-Security-Policy"]
    assert "第二个场景" in client.get("/?from=elsewhere").get_data(as_text=True)  # another URL


def test_an_expired_copy_is_rendered_by_one_request_while_the_others_get_it_a_moment_longer(
    cached: Flask, publisher: User
) -> None:
    make_scenario(publisher.organization, title="第一个场景")
    client = cached.test_client()
    old = client.get("/scenarios")
    make_scenario(publisher.organization, title="第二个场景")
    store = cached.extensions["page_cache"]
    store.delete("fresh:zh_Hans:/scenarios?")  # the copy is now older than PAGE_CACHE_SECONDS
    store.add("refresh:zh_Hans:/scenarios?", 1)  # and another worker is rendering the page
    waiting = client.get("/scenarios")
    assert waiting.headers["X-Page-Cache"] == "stale"
    assert waiting.get_data() == old.get_data()

    store.delete("refresh:zh_Hans:/scenarios?")  # that worker died before storing anything
    renderer = client.get("/scenarios")
    assert renderer.headers["X-Page-Cache"] == "miss"
    assert "第二个场景" in renderer.get_data(as_text=True)
    again = client.get("/scenarios")
    assert again.headers["X-Page-Cache"] == "hit"
    assert again.get_data() == renderer.get_data()


def test_signed_in_users_always_get_a_fresh_page(cached: Flask, publisher: User) -> None:
    make_scenario(publisher.organization, title="第一个场景")
    client = cached.test_client()
    client.get("/")  # stored for anonymous visitors
    make_scenario(publisher.organization, title="第二个场景")
    login(client, publisher)
    page = client.get("/")
    assert "X-Page-Cache" not in page.headers
    assert "第二个场景" in page.get_data(as_text=True)
    assert "保存此搜索" in client.get("/scenarios").get_data(as_text=True)


def test_pages_that_are_not_public_or_not_found_are_never_stored(
    cached: Flask, publisher: User
) -> None:
    draft = make_scenario(publisher.organization, ListingStatus.DRAFT)
    client = cached.test_client()
    assert client.get(f"/scenarios/{draft.id}").status_code == 404
    assert client.get(f"/scenarios/{draft.id}").headers["X-Page-Cache"] == "miss"
    assert "X-Page-Cache" not in client.get("/auth/login").headers


def test_a_visitor_with_a_message_waiting_gets_it(cached: Flask) -> None:
    client = cached.test_client()
    client.get("/")  # stored
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "您已退出登录。")]
    page = client.get("/")
    assert "X-Page-Cache" not in page.headers
    assert "您已退出登录。" in page.get_data(as_text=True)


def test_without_redis_the_site_still_answers_when_the_cache_fails(
    fresh_app: Callable[..., Flask],
) -> None:
    broken = fresh_app(PAGE_CACHE_SECONDS=60, REDIS_URL="redis://127.0.0.1:1/0", JOBS_MODE="rq")
    make_org(Role.PUBLISHER)
    response = broken.test_client().get("/")
    assert response.status_code == 200
    assert response.headers["X-Page-Cache"] == "miss"


def test_machines_share_the_copy_through_redis(
    fresh_app: Callable[..., Flask], redis: Redis, publisher: User
) -> None:
    one, two = (
        fresh_app(PAGE_CACHE_SECONDS=60, REDIS_URL=REDIS_URL, JOBS_MODE="rq") for _ in range(2)
    )
    make_scenario(publisher.organization, title="第一个场景")
    assert one.test_client().get("/").headers["X-Page-Cache"] == "miss"
    make_scenario(publisher.organization, title="第二个场景")
    page = two.test_client().get("/")
    assert page.headers["X-Page-Cache"] == "hit"
    assert "第二个场景" not in page.get_data(as_text=True)
    assert redis.ttl("page:/?") <= 60 + 3  # served stale at most 3 s while one renders
    assert redis.ttl("page:fresh:/?") <= 60
