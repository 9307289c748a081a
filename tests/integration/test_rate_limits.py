"""Per-client-address limits on the sign-in, registration and reset forms (429 + Retry-After)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from redis import Redis

from tests.conftest import REDIS_URL
from tests.signin import post_login

ADDRESS = {"REMOTE_ADDR": "203.0.113.5"}


def attempt(client: FlaskClient, environ: dict[str, str] | None = None, **headers: str):  # type: ignore[no-untyped-def]
    # an incomplete form: counted like any other post, answered without a password hash check
    return client.post(
        "/auth/login",
        data={"email": "", "password": "Wrong-Guess-1234"},
        environ_base=environ or ADDRESS,
        headers=headers,
    )


def test_sign_in_attempts_beyond_the_address_limit_get_429_with_retry_after(
    client: FlaskClient,
) -> None:
    # the default is generous (60 a minute): a whole agency may share one address
    statuses = [attempt(client).status_code for _ in range(60)]
    assert set(statuses) == {200}
    response = attempt(client)
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    page = response.get_data(as_text=True)
    assert "操作过于频繁" in page
    assert "秒后再试" in page
    # another address is not held back
    assert attempt(client, {"REMOTE_ADDR": "203.0.113.6"}).status_code == 200


def test_the_sign_in_page_itself_is_not_limited(client: FlaskClient) -> None:
    for _ in range(61):
        attempt(client)
    assert client.get("/auth/login", environ_base=ADDRESS).status_code == 200


def test_a_forged_forwarded_for_header_does_not_dodge_the_limit(client: FlaskClient) -> None:
    # the suite trusts no proxy: X-Forwarded-For from the client itself is ignored
    statuses = [
        attempt(client, **{"X-Forwarded-For": f"198.51.100.{n}"}).status_code for n in range(61)
    ]
    assert statuses[-1] == 429


def test_behind_a_trusted_proxy_each_client_address_is_limited_apart(
    fresh_app: Callable[..., Flask],
) -> None:
    application = fresh_app(
        WTF_CSRF_ENABLED=False, TRUSTED_PROXIES=("127.0.0.1",), LOGIN_RATE_LIMIT="3 per minute"
    )
    client = application.test_client()
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    first = [attempt(client, proxy, **{"X-Forwarded-For": "198.51.100.1"}) for _ in range(4)]
    assert [r.status_code for r in first] == [200, 200, 200, 429]
    assert attempt(client, proxy, **{"X-Forwarded-For": "198.51.100.2"}).status_code == 200


def test_registration_is_limited_per_address(fresh_app: Callable[..., Flask]) -> None:
    application = fresh_app(WTF_CSRF_ENABLED=False, REGISTER_RATE_LIMIT="2 per hour")
    client = application.test_client()
    statuses = [
        client.post("/auth/register", data={}, environ_base=ADDRESS).status_code for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    assert "分钟后再试" in client.post("/auth/register", environ_base=ADDRESS).get_data(True)


def test_a_429_answers_json_clients_in_json(client: FlaskClient) -> None:
    for _ in range(60):
        attempt(client)
    response = attempt(client, Accept="application/json")
    assert response.status_code == 429
    assert response.json["status"] == 429
    assert "Retry-After" in response.headers


def test_limits_are_shared_through_redis(fresh_app: Callable[..., Flask], redis: Redis) -> None:
    """Two app processes on one Redis count the same address together."""
    settings = {"WTF_CSRF_ENABLED": False, "LOGIN_RATE_LIMIT": "4 per minute"}
    settings["RATELIMIT_STORAGE_URI"] = REDIS_URL
    try:
        first = fresh_app(**settings).test_client()
        for _ in range(4):
            assert attempt(first).status_code == 200
        assert any(key.startswith(b"LIMITS") for key in redis.scan_iter())
        # a second app (another process or machine) sees the same count
        second = fresh_app(**settings).test_client()
        assert attempt(second).status_code == 429
    finally:
        fresh_app()  # the shared limiter object goes back to in-memory storage


def test_failures_of_an_unknown_email_are_counted_in_redis_across_processes(
    fresh_app: Callable[..., Flask], redis: Redis
) -> None:
    """The lock of an e-mail without an account holds on every machine sharing Redis."""
    settings = {"WTF_CSRF_ENABLED": False, "RATELIMIT_STORAGE_URI": REDIS_URL}
    try:
        machines = [fresh_app(**settings), fresh_app(**settings)]
        pages = []
        for n in range(6):
            application = machines[n % 2]
            client = application.test_client()
            with application.app_context():
                post = post_login(client, "nobody@example.com", "Wrong-Guess-1234")
            pages.append(post.get_data(as_text=True))
        assert "邮箱或密码不正确" in pages[3]
        assert "已被临时锁定" in pages[4]
        assert "已被临时锁定" in pages[5]
        assert any(b"LOCK" in key for key in redis.scan_iter())
    finally:
        fresh_app()  # the shared limiter object goes back to in-memory storage
