"""The production queue: runs handed to RQ on a real Redis and executed by an RQ worker.

Redis runs on the developer machines and CI at 127.0.0.1:6379; these tests use database 15
(TEST_REDIS_URL) and empty it around each test. Without Redis they are skipped, unless
REQUIRE_REDIS=1 (CI), where a missing Redis is a failure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from redis import Redis
from rq import SimpleWorker

from app.extensions import db
from app.jobs import JobContext, enqueue, job, rq_backend
from app.models import JobRun, JobStatus, PeriodicSlot
from tests.conftest import REDIS_URL

ATTEMPTS: list[int] = []


@job("test.rq_flaky", label="测试：RQ 重试", attempts=2, backoff=(0,))
def _rq_flaky(ctx: JobContext) -> dict[str, Any]:
    """Fails on its first attempt only."""
    ATTEMPTS.append(ctx.attempt)
    if ctx.attempt == 1:
        raise TimeoutError("first attempt times out")
    return {"attempt": ctx.attempt}


@job("test.rq_bulk", label="测试：长任务", attempts=1, queue="bulk")
def _rq_bulk(ctx: JobContext, rows: int) -> dict[str, Any]:
    """Stands for a long job (imports, rebuilds) on the bulk queue."""
    ctx.progress(rows, rows)
    return {"rows": rows}


@pytest.fixture
def rq_app(fresh_app: Callable[..., Flask], redis: Redis) -> Iterator[Flask]:
    """An app whose jobs go to RQ, and whose RQ work horses run in this process."""
    application = fresh_app(JOBS_MODE="rq", REDIS_URL=REDIS_URL)
    rq_backend.set_worker_app(application)
    ATTEMPTS.clear()
    yield application
    rq_backend.set_worker_app(None)  # type: ignore[arg-type]


class BurstWorker(SimpleWorker):
    """An RQ worker in this process that does not listen for remote commands: stopping RQ's
    command listener thread waits up to a minute, which a test has no use for."""

    def subscribe(self) -> None:
        """No command channel."""

    def unsubscribe(self) -> None:
        """No command channel."""


def work(app: Flask) -> None:
    """Run an RQ worker until the queues are empty (in this process: no fork)."""
    queues = [rq_backend.queue(app, name) for name in rq_backend.QUEUES]
    BurstWorker(queues, connection=rq_backend.redis_of(app)).work(burst=True)


def run_of(app: Flask, run_id: int) -> JobRun:
    """A run, read fresh."""
    with app.app_context():
        run = db.session.get(JobRun, run_id)
        assert run is not None
        db.session.expunge(run)
        return run


def test_a_committed_run_is_queued_in_redis_and_run_by_a_worker(rq_app: Flask) -> None:
    with rq_app.app_context():
        run = enqueue("notifications.digest")
        db.session.commit()
        run_id = run.id
    assert rq_backend.is_known(rq_app, run_id)
    assert rq_backend.queue_lengths(rq_app) == {"default": 1, "bulk": 0}
    assert run_of(rq_app, run_id).dispatched_at is not None
    work(rq_app)
    done = run_of(rq_app, run_id)
    assert done.status is JobStatus.SUCCEEDED
    assert done.worker  # host:pid of the worker
    assert rq_backend.queue_lengths(rq_app) == {"default": 0, "bulk": 0}


def test_rq_retries_a_failed_attempt_and_the_record_follows(rq_app: Flask) -> None:
    with rq_app.app_context():
        run = enqueue("test.rq_flaky")
        db.session.commit()
        run_id = run.id
    work(rq_app)  # attempt 1 fails, RQ re-queues it at once (backoff 0), attempt 2 succeeds
    done = run_of(rq_app, run_id)
    assert ATTEMPTS == [1, 2]
    assert done.status is JobStatus.SUCCEEDED
    assert done.attempts == 2


def test_long_jobs_wait_on_their_own_queue(rq_app: Flask) -> None:
    with rq_app.app_context():
        run = enqueue("test.rq_bulk", rows=5000)
        db.session.commit()
        run_id = run.id
    assert rq_backend.queue_lengths(rq_app) == {"default": 0, "bulk": 1}
    work(rq_app)
    done = run_of(rq_app, run_id)
    assert (done.status, done.progress_done, done.result) == (
        JobStatus.SUCCEEDED,
        5000,
        {"rows": 5000},
    )


def test_a_run_left_queued_by_a_redis_outage_is_handed_over_when_redis_is_back(
    rq_app: Flask, fresh_app: Callable[..., Flask]
) -> None:
    offline = fresh_app(JOBS_MODE="rq", REDIS_URL="redis://127.0.0.1:1/0")
    with offline.app_context():
        run = enqueue("notifications.digest")
        db.session.commit()
        run_id = run.id
    assert not rq_backend.is_known(rq_app, run_id)
    with rq_app.app_context():
        from datetime import timedelta

        from app.jobs.dispatch import redispatch

        assert redispatch(rq_app, timedelta(minutes=5)) >= 1
    work(rq_app)
    assert run_of(rq_app, run_id).status is JobStatus.SUCCEEDED


def test_two_schedulers_firing_the_same_periodic_job_run_it_once(
    rq_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime

    from app.jobs import periodic

    fixed = datetime(2026, 12, 7, 8, 30, 12, tzinfo=UTC)
    monkeypatch.setattr(periodic, "utcnow", lambda: fixed)  # both fire within one minute
    first = rq_backend.fire("jobs.reap")
    second = rq_backend.fire("jobs.reap")
    assert first.startswith("ran #")
    assert second == "slot already taken"
    with rq_app.app_context():
        slots = db.session.scalars(
            sa.select(PeriodicSlot).where(PeriodicSlot.name == "jobs.reap")
        ).all()
        assert len(slots) == 1
