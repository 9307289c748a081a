"""Probes and outages: /healthz, /readyz, and a clear 503 page whenever the database cannot serve.

Each outage is real: an app pointed at a closed port, a read-only or empty SQLite file, a
write lock held past the busy timeout, a read-only PostgreSQL session, server connections
terminated by pg_terminate_backend. Never a bare 500; always Retry-After and the request id.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.wrappers import Response

from app.extensions import db
from app.models import Role
from app.ops import health
from app.security import access
from tests.factories import make_org, make_scenario
from tests.ops import (
    CLOSED_PORT_URL,
    TEST_URL,
    copy_sqlite,
    migrate,
    needs_postgres,
    running,
    sqlite_url,
)

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
UNAVAILABLE = "服务暂时不可用，请稍后再试"


def registration(email: str = "ops@example.com") -> dict[str, str]:
    """A valid registration form: a request that writes."""
    return {
        "role": "publisher",
        "org_name": "济南市运维测试局",
        "org_kind": "政府部门",
        "district": "历下区",
        "is_local": "y",
        "name": "王工",
        "contact_phone": "13905311234",
        "email": email,
        "password": "Lake-Bridge-47",
        "confirm": "Lake-Bridge-47",
    }


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with the taxonomy, copied by each test that needs one."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate(sqlite_url(path))
    return path


def assert_unavailable(response: Any) -> None:
    """The 503 page: Chinese, Retry-After, the request id shown and echoed."""
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    request_id = response.headers["X-Request-ID"]
    if response.is_json:
        assert response.json == {
            "error": f"{UNAVAILABLE}。",
            "status": 503,
            "request_id": request_id,
        }
    else:
        page = response.get_data(as_text=True)
        assert UNAVAILABLE in page
        assert f"请求编号：{request_id}" in page


def ready(client: FlaskClient) -> tuple[int, dict[str, Any]]:
    """The /readyz status and its checks."""
    response = client.get("/readyz")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.json["status"] == ("ok" if response.status_code == 200 else "fail")
    return response.status_code, response.json["checks"]


# --- the probes on a healthy app --------------------------------------------------------


def test_healthz_says_the_process_answers(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {"process": {"status": "ok"}}}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_readyz_checks_the_database_and_its_migrations(client: FlaskClient) -> None:
    status, checks = ready(client)
    assert status == 200
    assert checks["database"]["status"] == "ok"
    (head,) = health.code_revisions()[0]
    assert checks["migrations"] == {"status": "ok", "revision": head}
    assert checks["redis"] == {"status": "skipped", "detail": "REDIS_URL not set", "ms": 0.0}
    assert checks["matching"]["status"] == "skipped"


def test_the_migration_head_is_read_once_per_process() -> None:
    assert health.code_revisions() is health.code_revisions()


# --- the database down: a closed port ---------------------------------------------------


@pytest.fixture
def down() -> Iterator[Flask]:
    """An app whose database does not answer (nothing listens on the port)."""
    with running(CLOSED_PORT_URL) as application:
        yield application


def test_pages_answer_503_when_the_database_is_down(
    down: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    client = down.test_client()
    with caplog.at_level(logging.WARNING):
        response = client.get("/")
    assert_unavailable(response)
    logged = [r for r in caplog.records if "database unavailable" in r.getMessage()]
    assert len(logged) == 1, "one line per failed request, not a traceback per layer"
    assert logged[0].levelno == logging.ERROR
    assert logged[0].request_id == response.headers["X-Request-ID"]  # type: ignore[attr-defined]
    assert "Connection refused" in logged[0].getMessage()
    assert_unavailable(client.get("/scenarios/1", headers={"Accept": "application/json"}))
    assert_unavailable(client.post("/auth/register", data=registration()))


def test_a_signed_in_user_gets_the_503_page_too(down: Flask) -> None:
    """The layout would ask the database who is signed in: the 503 page stands alone."""
    client = down.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1"
        session["_session_token"] = "a-token-the-database-would-be-asked-about"
    assert_unavailable(client.get("/my/"))


def test_healthz_stays_up_and_readyz_names_the_database(down: Flask) -> None:
    client = down.test_client()
    assert client.get("/healthz").status_code == 200
    status, checks = ready(client)
    assert status == 503
    assert checks["database"] == {"status": "fail", "detail": "unavailable"}
    assert checks["migrations"] == {"status": "skipped", "detail": "no database"}


def test_readyz_does_not_show_the_driver_error(down: Flask) -> None:
    """/readyz is public: the address and the driver's words go to the log only."""
    body = down.test_client().get("/readyz").get_data(as_text=True)
    assert "127.0.0.1" not in body
    assert "refused" not in body


# --- SQLite: a read-only file, an empty file, a missing directory, a held lock ----------


def read_only_url(path: Path) -> str:
    """The file opened read-only (as a read-only file system would; root ignores chmod)."""
    return f"sqlite:///file:{path}?mode=ro&uri=true"


def test_writes_to_a_read_only_database_answer_503(template: Path, tmp_path: Path) -> None:
    path = copy_sqlite(template, tmp_path / "ro.db")
    with running(read_only_url(path)) as application:
        client = application.test_client()
        assert client.get("/").status_code == 200, "reading still works"
        assert_unavailable(client.post("/auth/register", data=registration()))
        assert client.get("/healthz").status_code == 200
        status, checks = ready(client)
    assert status == 503
    assert checks["database"]["status"] == "fail"
    assert checks["database"]["detail"] == "read-only"
    assert checks["migrations"]["status"] == "ok"


def test_an_empty_database_file_answers_503_and_readyz_asks_for_migrations(
    tmp_path: Path,
) -> None:
    with running(sqlite_url(tmp_path / "empty.db")) as application:
        client = application.test_client()
        assert_unavailable(client.get("/"))
        assert_unavailable(client.get("/scenarios", headers={"Accept": "application/json"}))
        assert client.get("/healthz").status_code == 200
        status, checks = ready(client)
    assert status == 503
    assert checks["database"]["status"] == "ok"
    assert checks["migrations"] == {
        "status": "fail",
        "detail": "not migrated (run flask db upgrade)",
    }


def test_a_missing_database_directory_answers_503(tmp_path: Path) -> None:
    with running(sqlite_url(tmp_path / "no-such-dir" / "platform.db")) as application:
        client = application.test_client()
        assert_unavailable(client.get("/"))
        assert client.get("/healthz").status_code == 200
        status, checks = ready(client)
    assert status == 503
    assert checks["database"]["status"] == "fail"


def test_a_write_lock_held_past_the_busy_timeout_answers_503(
    template: Path, tmp_path: Path
) -> None:
    path = copy_sqlite(template, tmp_path / "locked.db")
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        with running(sqlite_url(path), SQLITE_BUSY_TIMEOUT=0.2) as application:
            client = application.test_client()
            holder.execute("BEGIN IMMEDIATE")  # another process is writing, and keeps at it
            assert_unavailable(client.post("/auth/register", data=registration()))
            status, checks = ready(client)
            assert (status, checks["database"]["status"]) == (200, "ok"), "locked is not down"
            holder.execute("ROLLBACK")
            response = client.post("/auth/register", data=registration())
            assert response.status_code == 302, "the next request succeeds"
    finally:
        holder.close()


def test_migrations_behind_the_code_fail_readiness(template: Path, tmp_path: Path) -> None:
    heads, known = health.code_revisions()
    older = sorted(known - heads)[0]
    path = copy_sqlite(template, tmp_path / "behind.db")
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = ?", (older,))
    connection.close()
    with running(sqlite_url(path)) as application:
        status, checks = ready(application.test_client())
    assert status == 503
    assert checks["migrations"]["detail"] == "behind the code (run flask db upgrade)"
    assert checks["migrations"]["revision"] == older


def test_migrations_ahead_of_the_code_stay_ready(template: Path, tmp_path: Path) -> None:
    """During a rolling upgrade the old code meets the new schema: not a reason to go dark."""
    path = copy_sqlite(template, tmp_path / "ahead.db")
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'f00dfeedbeef'")
    connection.close()
    with running(sqlite_url(path)) as application:
        status, checks = ready(application.test_client())
    assert status == 200
    assert checks["migrations"]["status"] == "ok"
    assert checks["migrations"]["detail"] == "ahead of this code (upgrade in progress?)"


def test_other_database_errors_remain_500s(fresh_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A constraint violated is a bug, not an outage: the usual 500, not a 503."""
    application = fresh_app()
    application.config["PROPAGATE_EXCEPTIONS"] = False  # production's behaviour

    def violate() -> str:
        db.session.execute(sa.text("INSERT INTO taxonomy_terms (id) VALUES (NULL)"))
        return "unreachable"

    application.add_url_rule("/__violate", "probe_violate", violate)
    monkeypatch.setitem(access.ENDPOINT_ACCESS, "probe_violate", access.PUBLIC)
    response = application.test_client().get("/__violate")
    assert response.status_code == 500
    assert "Retry-After" not in response.headers


# --- Redis and the matching process -----------------------------------------------------


def test_readyz_pings_redis_where_configured(fresh_app: Any) -> None:
    from redis import Redis
    from redis.exceptions import RedisError

    probe = Redis.from_url(REDIS_URL)
    try:
        probe.ping()
    except RedisError:
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    finally:
        probe.close()
    status, checks = ready(fresh_app(REDIS_URL=REDIS_URL).test_client())
    assert status == 200
    assert checks["redis"]["status"] == "ok"


def test_readyz_fails_when_redis_is_unreachable(fresh_app: Any) -> None:
    status, checks = ready(fresh_app(REDIS_URL="redis://127.0.0.1:1/0").test_client())
    assert status == 503
    assert checks["redis"]["status"] == "fail"
    assert checks["redis"]["detail"] == "unreachable"
    assert checks["database"]["status"] == "ok"


class _Matching(BaseHTTPRequestHandler):
    """A stand-in matching process: /readyz answers the status the test sets."""

    status = 200

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        self.send_response(self.status if self.path == "/readyz" else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        """Quiet."""


@pytest.fixture
def matching() -> Iterator[str]:
    """The URL of a stand-in matching process on the loopback interface."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Matching)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()
    _Matching.status = 200


def test_readyz_asks_the_matching_process_where_configured(fresh_app: Any, matching: str) -> None:
    client = fresh_app(MATCHING_URL=matching).test_client()
    status, checks = ready(client)
    assert (status, checks["matching"]["status"]) == (200, "ok")
    _Matching.status = 503  # still loading its indexes
    status, checks = ready(client)
    assert status == 503
    assert checks["matching"]["detail"] == "not ready (answered 503)"


def test_readyz_fails_when_the_matching_process_is_gone(fresh_app: Any) -> None:
    status, checks = ready(fresh_app(MATCHING_URL="http://127.0.0.1:1").test_client())
    assert status == 503
    assert (checks["matching"]["status"], checks["matching"]["detail"]) == ("fail", "unreachable")


# --- PostgreSQL: read-only sessions, connections terminated -----------------------------


@needs_postgres
@pytest.mark.commits  # a second app on the suite's database
def test_writes_to_a_read_only_postgresql_answer_503() -> None:
    url = sa.engine.make_url(TEST_URL).update_query_dict(
        {"options": "-c default_transaction_read_only=on"}
    )
    with running(url.render_as_string(hide_password=False)) as application:
        client = application.test_client()
        assert client.get("/").status_code == 200
        assert_unavailable(client.post("/auth/register", data=registration()))
        status, checks = ready(client)
    assert status == 503
    assert checks["database"]["detail"] == "read-only"


def _terminate(application_name: str) -> int:
    """End the server connections of one app (as a PostgreSQL restart would)."""
    return int(
        db.session.scalar(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = :name"
            ),
            {"name": application_name},
        )
        or 0
    )


@needs_postgres
@pytest.mark.commits  # a second app on the suite's database
def test_requests_after_the_connections_were_terminated_succeed() -> None:
    """pool_pre_ping: a pooled connection the server dropped is replaced, unseen."""
    scenario = make_scenario(make_org(Role.PUBLISHER))
    name = f"ops-test-{uuid.uuid4().hex[:8]}"
    url = sa.engine.make_url(TEST_URL).update_query_dict({"application_name": name})
    with running(url.render_as_string(hide_password=False)) as application:
        client = application.test_client()
        assert client.get(f"/scenarios/{scenario.id}").status_code == 200
        assert _terminate(name) >= 1
        assert client.get(f"/scenarios/{scenario.id}").status_code == 200


@needs_postgres
@pytest.mark.commits  # a second app on the suite's database
def test_a_request_in_flight_when_its_connection_dies_answers_503_and_the_next_succeeds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scenario = make_scenario(make_org(Role.PUBLISHER))
    with running(TEST_URL) as application:

        def dies_mid_request() -> Response:
            db.session.execute(sa.text("SELECT 1"))
            db.session.execute(sa.text("SELECT pg_terminate_backend(pg_backend_pid())"))
            return Response("unreachable")

        application.add_url_rule("/__dies", "probe_dies", dies_mid_request)
        monkeypatch.setitem(access.ENDPOINT_ACCESS, "probe_dies", access.PUBLIC)
        client = application.test_client()
        assert_unavailable(client.get("/__dies"))
        assert client.get(f"/scenarios/{scenario.id}").status_code == 200
