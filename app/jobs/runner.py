"""Running one attempt of a job run, whatever queue delivered it.

An attempt claims the run (queued → running) with one conditional UPDATE, so a run delivered
twice (a retry racing a redispatch, two workers) is executed once. Its own work happens in the
app's session and commits once at the end; a failure rolls that work back entirely — an import
killed half-way leaves nothing behind — and is recorded with its error. Progress and the
heartbeat are written in short transactions of their own so pages can read them meanwhile.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from datetime import timedelta
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from app.extensions import db
from app.jobs.registry import JobSpec, spec
from app.models import JobRun, JobStatus
from app.models.base import utcnow
from app.ops import metrics
from app.runtime.sqlite import background, holds_write_lock, writing

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15
PROGRESS_EVERY = 0.5  # seconds between two progress writes
ERROR_CHARS = 4000  # the end of a traceback is what explains it


class JobContext:
    """What a job function receives: its run id, its attempt, and a progress reporter."""

    def __init__(self, run_id: int, attempt: int) -> None:
        self.run_id = run_id
        self.attempt = attempt
        self._last = 0.0

    def progress(self, done: int, total: int, note: str = "") -> None:
        """Record progress (at most every PROGRESS_EVERY seconds, and always at the end).

        Skipped while the job's own SQLite transaction holds the write lock: the record could
        not be committed before the job's work is (SQLite has one writer; PostgreSQL shows all).
        """
        now = time.monotonic()
        if done < total and now - self._last < PROGRESS_EVERY:
            return
        if holds_write_lock(db.session()):
            return
        self._last = now
        _update(
            self.run_id,
            progress_done=done,
            progress_total=total,
            progress_note=note[:200],
            heartbeat_at=utcnow(),
        )


def _update(run_id: int, **values: Any) -> int:
    """Change a run in a short transaction of its own; the number of rows changed."""
    with writing(), Session(db.engine) as session:
        update = sa.update(JobRun).where(JobRun.id == run_id).values(**values)
        # DML runs as a CursorResult (rowcount); Session.execute is typed as returning a Result
        changed = cast("sa.CursorResult[Any]", session.execute(update)).rowcount
        session.commit()
    return changed


def worker_name() -> str:
    """host:pid, to tell administrators where a run ran."""
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(run_id: int) -> bool:
    """queued → running, once; False when another delivery got there first (or it is done)."""
    with writing(), Session(db.engine) as session:
        now = utcnow()
        # DML runs as a CursorResult (rowcount); Session.execute is typed as returning a Result
        result = session.execute(
            sa.update(JobRun)
            .where(JobRun.id == run_id, JobRun.status == JobStatus.QUEUED)
            .values(
                status=JobStatus.RUNNING,
                attempts=JobRun.attempts + 1,
                started_at=now,
                heartbeat_at=now,
                worker=worker_name(),
            )
        )
        changed = cast("sa.CursorResult[Any]", result).rowcount
        session.commit()
    return changed == 1


class _Heartbeat:
    """A thread that keeps telling the database this attempt is alive (see the reaper)."""

    def __init__(self, app: Any, run_id: int) -> None:
        self.app, self.run_id = app, run_id
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"job-{run_id}-heartbeat")
        self.thread.daemon = True

    def _beat(self) -> None:
        while not self.stop.wait(HEARTBEAT_SECONDS):
            try:
                with self.app.app_context():
                    _update(self.run_id, heartbeat_at=utcnow())
            except Exception:  # a missed beat is not fatal; the next one may succeed
                logger.warning("job %s: heartbeat failed", self.run_id, exc_info=True)

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=5)


def execute(run_id: int) -> JobStatus | None:
    """Run one attempt of a queued run; its final status, or None when it was not claimed.

    The attempt is a unit of work of its own (`background()`): even run right after the
    commit of the request that asked for it (eager mode), it is not that request. It takes
    no write lock at its start: on SQLite a job holds the lock only from its first write to
    its commit, so a long job (an import tokenising rows) does not block the site meanwhile.
    """
    if not claim(run_id):
        logger.info("job %s was already taken or finished; nothing to do", run_id)
        return None
    with background():
        return _attempt(run_id)


def _attempt(run_id: int) -> JobStatus:
    run = db.session.get(JobRun, run_id)
    assert run is not None  # noqa: S101 - claimed a moment ago
    job = spec(run.name)
    context = JobContext(run_id, run.attempts)
    metrics.job_started(job.name)
    started = time.perf_counter()
    try:
        with _Heartbeat(current_app._get_current_object(), run_id):  # type: ignore[attr-defined]
            result = job.func(context, **run.args)
            # done in the same commit as the work: a process that dies after it is not reaped
            # into doing the work twice
            db.session.execute(
                sa.update(JobRun)
                .where(JobRun.id == run_id)
                .values(
                    status=JobStatus.SUCCEEDED, finished_at=utcnow(), result=result or {}, error=""
                )
                .execution_options(synchronize_session=False)
            )
            db.session.commit()
    except Exception as exc:  # every failure is recorded; the queue decides on a retry
        db.session.rollback()
        return _failed(run_id, job, exc)
    finally:
        db.session.remove()
    metrics.job_succeeded(job.name)
    logger.info("job %s (%s) succeeded in %.1f s", run_id, job.name, time.perf_counter() - started)
    return JobStatus.SUCCEEDED


def describe(exc: BaseException) -> str:
    """The error as administrators see it: the message, then the end of the traceback."""
    text = "".join(traceback.format_exception(exc))
    return f"{type(exc).__name__}: {exc}\n\n{text[-ERROR_CHARS:]}"


def _failed(run_id: int, job: JobSpec, exc: BaseException) -> JobStatus:
    """Record a failed attempt: queued again after the backoff, or failed for good."""
    with Session(db.engine) as session:
        attempts = session.scalar(sa.select(JobRun.attempts).where(JobRun.id == run_id)) or 0
    metrics.job_failed(job.name, final=attempts >= job.attempts)
    if attempts < job.attempts:
        wait = job.delay_before(attempts + 1)
        _update(
            run_id,
            status=JobStatus.QUEUED,
            error=describe(exc),
            not_before=utcnow() + timedelta(seconds=wait),
        )
        logger.warning(
            "job %s (%s) attempt %s failed; retrying in %s s",
            run_id,
            job.name,
            attempts,
            wait,
            exc_info=exc,
        )
        return JobStatus.QUEUED
    _update(run_id, status=JobStatus.FAILED, error=describe(exc), finished_at=utcnow())
    logger.error("job %s (%s) failed after %s attempts", run_id, job.name, attempts, exc_info=exc)
    return JobStatus.FAILED
