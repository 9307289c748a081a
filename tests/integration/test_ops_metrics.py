"""Prometheus metrics: what is counted, who may read it, and counts shared by gunicorn workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from app.config import ROOT, ConfigError
from app.extensions import db
from app.jobs import JobContext, enqueue, job
from app.models import JobRun, JobStatus
from tests.ops import migrate, sqlite_url

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
TOKEN = "scrape-token-0123456789abcdef"
OUTSIDE = {"REMOTE_ADDR": "203.0.113.9"}


def scrape(client: FlaskClient, **kwargs: Any) -> str:
    """The /metrics text (from 127.0.0.1 unless told)."""
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=")
    return response.get_data(as_text=True)


def value(text: str, name: str, **labels: str) -> float:
    """One sample's value (0 when absent)."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


# --- what is counted --------------------------------------------------------------------


def test_requests_are_counted_by_endpoint_not_path(client: FlaskClient) -> None:
    before = scrape(client)
    for _ in range(3):
        client.get("/scenarios/987654")
    client.open("/", method="BREW")  # an invented method: one label for all of them
    after = scrape(client)
    labels = {"endpoint": "portal.scenario_detail", "method": "GET", "status": "404"}
    counted = value(after, "jinan_http_requests_total", **labels)
    assert counted - value(before, "jinan_http_requests_total", **labels) == 3
    timed = value(after, "jinan_http_request_duration_seconds_count", **labels)
    assert timed - value(before, "jinan_http_request_duration_seconds_count", **labels) == 3
    assert "987654" not in after, "paths never become labels"
    invented = {"endpoint": "none", "method": "other", "status": "405"}
    assert value(after, "jinan_http_requests_total", **invented) >= 1
    assert "BREW" not in after
    assert value(after, "jinan_http_requests_in_progress") == 1, "the scrape itself"


def test_unmatched_paths_share_one_label(client: FlaskClient) -> None:
    client.get("/no/such/page/12345")
    text = scrape(client)
    assert value(text, "jinan_http_requests_total", endpoint="none", status="404") >= 1
    assert "/no/such/page" not in text


@job("test.ops_ok", label="测试：成功", attempts=1)
def _ok(ctx: JobContext) -> dict[str, Any]:
    return {}


@job("test.ops_fails", label="测试：失败", attempts=1)
def _fails(ctx: JobContext) -> dict[str, Any]:
    raise RuntimeError("always")


def test_job_attempts_are_counted_by_job_and_outcome(client: FlaskClient) -> None:
    before = scrape(client)
    enqueue("test.ops_ok")
    enqueue("test.ops_fails")
    db.session.commit()  # eager mode: both run now
    after = scrape(client)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("jinan_jobs_started_total", job="test.ops_ok") == 1
    assert grew("jinan_jobs_succeeded_total", job="test.ops_ok") == 1
    assert grew("jinan_jobs_started_total", job="test.ops_fails") == 1
    assert grew("jinan_jobs_succeeded_total", job="test.ops_fails") == 0
    assert grew("jinan_jobs_failed_total", job="test.ops_fails", final="true") == 1


def test_job_records_per_status_are_read_at_scrape_time(client: FlaskClient) -> None:
    from datetime import timedelta

    from app.models.base import utcnow

    db.session.add_all(
        [
            JobRun(name="notifications.digest", enqueued_at=utcnow() - timedelta(minutes=10)),
            JobRun(name="notifications.digest"),
            JobRun(
                name="listings.expire",
                status=JobStatus.FAILED,
                finished_at=utcnow(),
                error="boom",
            ),
        ]
    )
    db.session.commit()
    text = scrape(client)
    assert value(text, "jinan_database_up") == 1
    assert value(text, "jinan_job_runs", status="queued") == 2
    assert value(text, "jinan_job_runs", status="failed") == 1
    assert value(text, "jinan_job_runs", status="running") == 0
    assert 590 <= value(text, "jinan_job_oldest_queued_seconds") <= 900
    assert "jinan_jobs_queue_length" not in text, "no RQ queues without Redis"


@pytest.fixture
def redis_db() -> Iterator[Any]:
    """Redis database 14, emptied around the test."""
    from redis import Redis
    from redis.exceptions import RedisError

    client = Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except RedisError:
        client.close()
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def test_queue_lengths_are_read_from_redis_at_scrape_time(fresh_app: Any, redis_db: Any) -> None:
    from app.jobs import rq_backend

    application = fresh_app(JOBS_MODE="rq", REDIS_URL=REDIS_URL)
    rq_backend.queue(application, "bulk").enqueue("os.getpid")
    rq_backend.queue(application, "bulk").enqueue("os.getpid")
    text = scrape(application.test_client())
    assert value(text, "jinan_redis_up") == 1
    assert value(text, "jinan_jobs_queue_length", queue="bulk") == 2
    assert 'jinan_jobs_queue_length{queue="default"} 0.0' in text


def test_a_redis_outage_shows_as_redis_down(fresh_app: Any) -> None:
    application = fresh_app(JOBS_MODE="rq", REDIS_URL="redis://127.0.0.1:1/0")
    text = scrape(application.test_client())
    assert value(text, "jinan_redis_up") == 0
    assert value(text, "jinan_database_up") == 1


def test_a_database_outage_shows_as_database_down() -> None:
    from tests.ops import CLOSED_PORT_URL, running

    with running(CLOSED_PORT_URL) as application:
        text = scrape(application.test_client())
    assert value(text, "jinan_database_up") == 0


# --- who may read it --------------------------------------------------------------------


def test_metrics_are_hidden_from_other_addresses(client: FlaskClient) -> None:
    response = client.get("/metrics", environ_base=OUTSIDE)
    assert response.status_code == 404
    assert "jinan_" not in response.get_data(as_text=True)


def test_a_bearer_token_lets_a_scraper_in_from_anywhere(fresh_app: Any) -> None:
    client = fresh_app(METRICS_TOKEN=TOKEN).test_client()
    granted = {"Authorization": f"Bearer {TOKEN}"}
    assert client.get("/metrics", headers=granted, environ_base=OUTSIDE).status_code == 200
    wrong = {"Authorization": f"Bearer {TOKEN[:-1]}x"}
    assert client.get("/metrics", headers=wrong, environ_base=OUTSIDE).status_code == 404
    basic = {"Authorization": f"Basic {TOKEN}"}
    assert client.get("/metrics", headers=basic, environ_base=OUTSIDE).status_code == 404
    assert client.get("/metrics", environ_base=OUTSIDE).status_code == 404


def test_without_a_token_configured_no_bearer_opens_the_door(client: FlaskClient) -> None:
    empty = {"Authorization": "Bearer "}
    assert client.get("/metrics", headers=empty, environ_base=OUTSIDE).status_code == 404


def test_metrics_allowed_replaces_the_loopback_default(fresh_app: Any) -> None:
    client = fresh_app(METRICS_ALLOWED=("10.20.0.0/16",)).test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.20.3.4"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.21.3.4"}).status_code == 404
    assert client.get("/metrics").status_code == 404, "127.0.0.1 was only the default"


def test_a_client_behind_the_local_proxy_is_not_the_proxy(fresh_app: Any) -> None:
    """nginx on the machine forwards outsiders from 127.0.0.1: the client's address counts."""
    client = fresh_app(TRUSTED_PROXIES=("127.0.0.1",)).test_client()
    forwarded = {"X-Forwarded-For": "203.0.113.9"}
    assert client.get("/metrics", headers=forwarded).status_code == 404
    assert client.get("/metrics").status_code == 200, "a scraper on the machine itself"


def test_a_signed_in_administrator_from_outside_gets_404_too(
    client: FlaskClient, admin: Any
) -> None:
    from tests.conftest import login

    login(client, admin)
    assert client.get("/metrics", environ_base=OUTSIDE).status_code == 404


@pytest.mark.parametrize(
    "overrides",
    [{"METRICS_TOKEN": "short"}, {"METRICS_ALLOWED": ("10.0.0.0/33",)}],
    ids=["short token", "bad network"],
)
def test_unusable_metrics_settings_stop_the_start(overrides: dict[str, Any]) -> None:
    from app import create_app
    from app.config import TestConfig

    with pytest.raises(ConfigError):
        create_app(TestConfig, **overrides)


# --- several gunicorn workers: one count ------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _workers(master: int) -> set[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return {int(pid) for pid in children}


def _wait_for(condition: Any, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.1)


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[tuple[str, Path, int, Path]]:
    """gunicorn with deploy/gunicorn.conf.py and two workers: (url, metrics dir, pid, log)."""
    database = tmp_path / "web.db"
    migrate(sqlite_url(database))
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_99999.db").write_bytes(b"left from a previous run")
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "APP_ENV": "production",
        "SECRET_KEY": "x" * 40,
        "DATABASE_URL": sqlite_url(database),
        "JOBS_MODE": "eager",
        "WEB_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "LOG_LEVEL": "info",
        # gunicorn 27's control socket: ours, not the one other gunicorns of this user share
        "XDG_RUNTIME_DIR": str(tmp_path),
    }
    env.pop("TEST_DATABASE_URL", None)
    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:
        server = subprocess.Popen(  # noqa: S603 -- our interpreter and gunicorn settings
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "app.wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:

        def up() -> bool:
            assert server.poll() is None, log.read_text()
            try:
                return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        _wait_for(up)
        _wait_for(lambda: len(_workers(server.pid)) == 2)
        yield url, metrics_dir, server.pid, log
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


def test_gunicorn_workers_share_their_counts(gunicorn: tuple[str, Path, int, Path]) -> None:
    url, metrics_dir, master, log = gunicorn
    assert not (metrics_dir / "counter_99999.db").exists(), "cleaned when gunicorn started"
    with httpx.Client(base_url=url, timeout=10) as http:

        def healthz_count() -> float:
            text = http.get("/metrics").text
            labels = {"endpoint": "ops.healthz", "method": "GET", "status": "200"}
            return value(text, "jinan_http_requests_total", **labels)

        before = healthz_count()  # the fixture's wait asked a few times
        probes = 40
        for _ in range(probes):
            assert http.get("/healthz").status_code == 200
        assert http.get("/").status_code == 200
        # every scrape, whichever worker answers it, sees every worker's requests
        assert {healthz_count() for _ in range(6)} == {before + probes}

        victim = min(_workers(master))
        os.kill(victim, signal.SIGKILL)  # a worker dies mid-life; gunicorn starts another
        _wait_for(lambda: victim not in _workers(master) and len(_workers(master)) == 2)
        _wait_for(lambda: http.get("/healthz").status_code == 200)
        assert healthz_count() >= before + probes, "a dead worker's counts are kept"
    files = {p.name for p in metrics_dir.glob("counter_*.db")}
    # two workers, whichever of them answered: the successor took the freed slot (no third)
    assert files, "the counts are in the directory"
    assert files <= {"counter_s0.db", "counter_s1.db"}, "the successor took the freed slot"
    lines = log.read_text().splitlines()
    assert any('"path": "/"' in line for line in lines), "pages are in the access log"
    assert not any('"path": "/healthz"' in line for line in lines), "probes are not, at info"


def test_jobs_run_by_rq_work_horses_reach_the_machines_metrics(
    fresh_app: Any, redis_db: Any, tmp_path: Path
) -> None:
    """RQ forks a work horse per job: its counts land in the shared directory, in few files."""
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    producer = fresh_app(JOBS_MODE="rq", REDIS_URL=REDIS_URL)
    with producer.app_context():
        for _ in range(3):
            enqueue("jobs.reap")
        db.session.commit()  # handed to RQ after the commit
    metrics_dir = tmp_path / "metrics"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "APP_ENV": "production",
        "SECRET_KEY": "x" * 40,
        "DATABASE_URL": producer.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": REDIS_URL,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    done = subprocess.run(  # noqa: S603 -- our interpreter, a fixed command
        [sys.executable, "-m", "flask", "--app", "app", "jobs", "worker", "--burst"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(metrics_dir))
    text = generate_latest(registry).decode()
    assert value(text, "jinan_jobs_started_total", job="jobs.reap") == 3
    assert value(text, "jinan_jobs_succeeded_total", job="jobs.reap") == 3
    assert len(list(metrics_dir.glob("counter_*.db"))) == 1, "three horses, one slot's files"
