"""A job worker killed in the middle of an import leaves nothing half-imported, and the import
is done once, in full, by the next worker (RQ on Redis, PostgreSQL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import suppress
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from redis import Redis

from app.extensions import db
from app.jobs import JobContext
from app.jobs.dispatch import redispatch
from app.jobs.housekeeping import DEAD_AFTER, reap
from app.models import JobRun, JobStatus, Role, Scenario, User
from app.models.base import utcnow
from tests.conftest import login
from tests.factories import make_org, make_user
from tests.integration.test_excel_import import scenario_row, token_of, upload, workbook_bytes
from tests.system.conftest import SYSTEM_REDIS_URL, start

# other processes read what the test writes
pytestmark = pytest.mark.commits

ROWS = 5_000  # the import's largest size; its insert phase lasts long enough to be caught


def _worker_env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "APP_ENV": "development",
        "SECRET_KEY": "worker-killed-secret-key-000000000000000000",
        "DATABASE_URL": database_url,
        "REDIS_URL": SYSTEM_REDIS_URL,
        "LOG_LEVEL": "warning",
    }


def _run(app: Flask, run_id: int) -> JobRun:
    with app.app_context():
        run = db.session.get(JobRun, run_id)
        assert run is not None
        db.session.expunge(run)
        return run


def _scenarios(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Scenario)) or 0


def _descendants(pid: int) -> list[int]:
    """Every process below pid (children first found through /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with suppress(OSError):
            for child in (task / "children").read_text().split():
                found += [int(child), *_descendants(int(child))]
    return found


def _until(check: Callable[[], bool], seconds: float, what: str) -> None:
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < seconds, f"{what}: not within {seconds:.0f} s"
        time.sleep(0.02)


def test_a_worker_killed_mid_import_leaves_nothing_and_the_next_one_imports_once(
    database_url: str,
    system_redis: Redis,
    fresh_app: Callable[..., Flask],
    tmp_path: Path,
) -> None:
    web = fresh_app(JOBS_MODE="rq", REDIS_URL=SYSTEM_REDIS_URL, WTF_CSRF_ENABLED=False)
    with web.app_context():
        publisher = make_user(make_org(Role.PUBLISHER))
        browser = login(web.test_client(), db.session.get(User, publisher.id))
    token = token_of(
        upload(browser, workbook_bytes("scenario", [scenario_row(n) for n in range(ROWS)]))
    )
    status = browser.post(f"/imports/{token}/confirm").headers["Location"]
    run_id = int(status.rsplit("/", 1)[1])
    assert _run(web, run_id).status is JobStatus.QUEUED  # in Redis, waiting for a worker

    worker = start(
        [sys.executable, "-m", "flask", "--app", "app", "jobs", "worker"],
        _worker_env(database_url),
        Path.cwd(),
        tmp_path / "worker.log",
        group=True,
    )
    try:
        # the rows are being written (PostgreSQL shows the insert's progress): the machine
        # dies now, the worker and the work horse RQ forked for the job (a group of its own)
        _until(lambda: _run(web, run_id).progress_note == "写入", 180, "the insert phase")
        for pid in [*_descendants(worker.pid), worker.pid]:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)
    killed = _run(web, run_id)
    assert killed.status is JobStatus.RUNNING  # nobody told the database: the worker died
    assert killed.progress_done < ROWS
    assert _scenarios(web) == 0  # nothing half-imported

    with web.app_context():  # the heartbeat stopped: the reaper queues the run again
        stale = utcnow() - DEAD_AFTER - timedelta(seconds=1)
        db.session.execute(sa.update(JobRun).where(JobRun.id == run_id).values(heartbeat_at=stale))
        db.session.commit()
        assert reap(JobContext(0, 1))["reaped"] == 1
        db.session.commit()
        assert redispatch(web, timedelta(0)) == 1  # handed to Redis again
    done = subprocess.run(  # noqa: S603 - the next worker, until the queue is empty
        [sys.executable, "-m", "flask", "--app", "app", "jobs", "worker", "--burst"],
        env=_worker_env(database_url),
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    finished = _run(web, run_id)
    assert finished.status is JobStatus.SUCCEEDED
    assert finished.attempts == 2
    assert finished.result["created"] == ROWS
    assert _scenarios(web) == ROWS  # once, in full
