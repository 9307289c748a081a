"""Asking for a job: a record now, in the caller's transaction; the queue once it commits.

JOBS_MODE decides who runs it:
* "rq": handed to RQ on Redis (REDIS_URL); workers run it, RQ retries it with backoff.
* "thread": a small thread pool inside this process (the embedded default: no Redis needed).
* "eager": run synchronously right after the commit (the test suite: deterministic).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db
from app.jobs import runner
from app.jobs.registry import spec
from app.models import JobRun, JobStatus, User
from app.models.base import utcnow
from app.transactions import within

logger = logging.getLogger(__name__)

PENDING_KEY = "jobs_to_dispatch"
DELAY_KEY = "jobs_dispatch_delay"


def enqueue(name: str, created_by: User | None = None, **args: Any) -> JobRun:
    """Record a run of job `name` in the current transaction; it is queued when that commits."""
    return enqueue_later(name, 0.0, created_by, **args)


def enqueue_later(name: str, delay: float, created_by: User | None = None, **args: Any) -> JobRun:
    """Like enqueue, but the run starts `delay` seconds after the commit (at once in eager
    mode): changes in a row can then be left to one run (a debounce)."""
    job = spec(name)
    run = JobRun(
        name=name,
        args=args,
        max_attempts=job.attempts,
        created_by_id=getattr(created_by, "id", None),
        not_before=utcnow() + timedelta(seconds=delay) if delay > 0 else None,
    )
    db.session.add(run)
    db.session.flush()
    remember(db.session(), run.id, delay)
    return run


def remember(session: Session, run_id: int, delay: float = 0.0) -> None:
    """Hand the run to the queue when the session's outermost transaction commits."""
    scope = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(PENDING_KEY, []).append((run_id, scope))
    if delay > 0:
        session.info.setdefault(DELAY_KEY, {})[run_id] = delay


def pending_in(session: Session) -> list[int]:
    """Runs recorded in this session's transaction, not yet handed to a queue."""
    return [run_id for run_id, _ in session.info.get(PENDING_KEY, ())]


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a SAVEPOINT was released: the outer one goes on
        return
    pending = session.info.pop(PENDING_KEY, None)
    delays = session.info.pop(DELAY_KEY, {})
    if pending:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        for run_id, _scope in pending:
            dispatch(app, run_id, delays.get(run_id, 0.0))


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    if not session.in_nested_transaction():  # a SAVEPOINT's rollback: see below
        session.info.pop(PENDING_KEY, None)  # the runs were rolled back with everything else
        session.info.pop(DELAY_KEY, None)


@event.listens_for(Session, "after_soft_rollback")
def _after_savepoint_rollback(session: Session, previous: Any) -> None:
    """A rolled-back SAVEPOINT takes the runs it recorded with it."""
    pending = session.info.get(PENDING_KEY)
    if previous.nested and pending:
        session.info[PENDING_KEY] = [(i, s) for i, s in pending if not within(s, previous)]


def dispatch(app: Flask, run_id: int, delay: float = 0.0) -> None:
    """Hand a committed run to the configured queue (failures leave it to redispatch)."""
    mode = app.config["JOBS_MODE"]
    if mode == "eager":
        _run_now(app, run_id)
        return
    if mode == "thread":
        local_pool(app).submit(run_id, delay)
        _mark_dispatched(app, run_id)
        return
    from app.jobs import rq_backend

    try:
        rq_backend.enqueue(app, run_id, delay)
    except Exception:  # Redis down: the run stays queued in the database for redispatch
        logger.warning("job %s could not be handed to Redis; it waits for redispatch", run_id)
        return
    _mark_dispatched(app, run_id)


def _mark_dispatched(app: Flask, run_id: int) -> None:
    with app.app_context(), Session(db.engine) as session:
        session.execute(sa.update(JobRun).where(JobRun.id == run_id).values(dispatched_at=utcnow()))
        session.commit()


def _run_now(app: Flask, run_id: int) -> None:
    """Eager mode: one attempt now, in an app context (and session) of its own."""
    with app.app_context():
        runner.execute(run_id)


class LocalPool:
    """The in-process queue: a thread pool, with timers for retries that must wait."""

    def __init__(self, app: Flask, threads: int) -> None:
        self.app = app
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="job")

    def submit(self, run_id: int, delay: float = 0.0) -> None:
        """Run one attempt of the run now, or after `delay` seconds."""
        if delay > 0:
            timer = threading.Timer(delay, self.submit, args=(run_id,))
            timer.daemon = True
            timer.start()
            return
        self.executor.submit(self._attempt, run_id)

    def _attempt(self, run_id: int) -> None:
        try:
            with self.app.app_context():
                status = runner.execute(run_id)
                if status is JobStatus.QUEUED:  # failed, retries left: try again after backoff
                    run = db.session.get(JobRun, run_id)
                    wait = spec(run.name).delay_before(run.attempts + 1) if run else 0
                    db.session.remove()
                    self.submit(run_id, wait)
        except Exception:  # never let a pool thread die silently
            logger.exception("job %s: the in-process runner failed", run_id)


_pools_lock = threading.Lock()


def local_pool(app: Flask) -> LocalPool:
    """This process's pool for the app (created on first use, so it is fork-safe)."""
    with _pools_lock:
        pool = app.extensions.get("jobs_pool")
        if pool is None:
            pool = app.extensions["jobs_pool"] = LocalPool(app, app.config["JOBS_THREADS"])
        return pool


def finish_local(app: Flask) -> None:
    """Before this process exits (a web worker recycled, reloaded or stopped): its scheduler
    stops claiming, and the jobs its pool runs or holds finish. Left to the interpreter's
    exit, a running job could not start threads of its own any more and failed."""
    scheduler = app.extensions.get("jobs_scheduler")
    if scheduler is not None:
        scheduler.stop.set()
    pool = app.extensions.get("jobs_pool")
    if pool is not None:
        pool.executor.shutdown(wait=True)


def redispatch(app: Flask, older_than: timedelta) -> int:
    """Hand off again queued runs whose hand-off failed or whose queue lost them."""
    now = utcnow()
    due = sa.or_(JobRun.not_before.is_(None), JobRun.not_before <= now)
    lost = sa.or_(JobRun.dispatched_at.is_(None), JobRun.dispatched_at < now - older_than)
    ids = db.session.scalars(
        sa.select(JobRun.id).where(JobRun.status == JobStatus.QUEUED, due, lost).order_by(JobRun.id)
    ).all()
    for run_id in ids:
        dispatch(app, run_id)
    return len(ids)
