"""The production queue: runs handed to RQ on Redis, executed by `flask jobs worker`.

An RQ job carries only the run id; the database record says what to run. RQ retries a failed
attempt after the job's backoff (the worker runs with its scheduler for that) and keeps the
failure in its registry; the record in `job_runs` is what administrators read and retry.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from typing import Any

from flask import Flask
from redis import Redis
from rq import Queue, Retry
from rq.job import Job

from app.jobs import runner
from app.jobs.registry import spec
from app.models import JobRun, JobStatus
from app.runtime.redis_connections import connection

logger = logging.getLogger(__name__)

QUEUES = ("default", "bulk")  # workers take short jobs first
FAILURE_TTL = 7 * 24 * 3600
_worker_app: Flask | None = None
_worker_pid = 0  # the process that set the app; forked work horses have another pid


class AttemptFailed(Exception):
    """Raised to RQ when an attempt failed, so RQ records it and schedules the retry."""


def redis_of(app: Flask) -> Redis:
    """The app's Redis client."""
    return connection(app.config["REDIS_URL"])


def queue(app: Flask, name: str) -> Queue:
    """One of the RQ queues."""
    return Queue(name, connection=redis_of(app))


def rq_id(run_id: int) -> str:
    """The RQ job id of a run (stable, so a redispatch replaces rather than duplicates)."""
    return f"jobrun-{run_id}"


def enqueue(app: Flask, run_id: int, delay: float = 0.0) -> None:
    """Hand a committed run to RQ (raises when Redis cannot be reached)."""
    from app.extensions import db

    with app.app_context():
        run = db.session.get(JobRun, run_id)
        if run is None:
            return
        job = spec(run.name)
        db.session.remove()
    options: dict[str, Any] = {
        "job_id": rq_id(run_id),
        "job_timeout": job.timeout,
        "failure_ttl": FAILURE_TTL,
        "description": f"{job.name} #{run_id}",
    }
    if job.attempts > 1:
        options["retry"] = Retry(max=job.attempts - 1, interval=list(job.backoff))
    target = queue(app, job.queue)
    if delay > 0:
        target.enqueue_in(timedelta(seconds=delay), perform, run_id, **options)
    else:
        target.enqueue(perform, run_id, **options)


def is_known(app: Flask, run_id: int) -> bool:
    """Whether Redis still holds the RQ job of a run (queued, scheduled or running)."""
    return Job.exists(rq_id(run_id), connection=redis_of(app))


def set_worker_app(app: Flask) -> None:
    """The app RQ's work horses run jobs in (set by `flask jobs worker` before forking)."""
    global _worker_app, _worker_pid
    _worker_app, _worker_pid = app, os.getpid()


def _app() -> Flask:
    if _worker_app is None:  # started by plain `rq worker`: build the app from the environment
        from app import create_app

        set_worker_app(create_app())
    assert _worker_app is not None  # noqa: S101 - set just above
    return _worker_app


def _forget_inherited_connections(app: Flask) -> None:
    """A forked work horse must not use the database sockets its parent opened."""
    from app.extensions import db

    if os.getpid() != _worker_pid:
        db.engine.dispose(close=False)


def perform(run_id: int) -> str:
    """What an RQ work horse executes: one attempt of the run."""
    app = _app()
    with app.app_context():
        _forget_inherited_connections(app)
        status = runner.execute(run_id)
    if status in (JobStatus.QUEUED, JobStatus.FAILED):
        raise AttemptFailed(f"job run {run_id} failed (see job_runs)")
    return str(status or "skipped")


def fire(name: str) -> str:
    """What `rq cron` enqueues: claim this period's slot of a periodic job and run it."""
    from app.jobs import periodic

    app = _app()
    with app.app_context():
        _forget_inherited_connections(app)
        run_id = periodic.claim_due(name)
        if run_id is None:
            return "slot already taken"
        runner.execute(run_id)
    return f"ran #{run_id}"


def queue_lengths(app: Flask) -> dict[str, int]:
    """Jobs waiting per RQ queue (for metrics and the administrators' page)."""
    return {name: queue(app, name).count for name in QUEUES}
