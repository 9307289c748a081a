"""Jobs that keep the job system itself healthy: lost hand-offs, dead workers, old records."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app

from app import clock
from app.extensions import db
from app.jobs.registry import job
from app.jobs.runner import JobContext
from app.models import JobRun, JobStatus, PeriodicSlot, UserSession
from app.models.base import utcnow

# a running attempt whose heartbeat is older than this lost its worker (beats every 15 s)
DEAD_AFTER = timedelta(seconds=90)
# a queued run handed off this long ago and not started is handed off again
LOST_AFTER = timedelta(minutes=5)
KEEP_SLOTS = timedelta(days=7)
KEEP_SUCCEEDED = timedelta(days=30)


@job("jobs.redispatch", label="重新派发未送达的任务", attempts=1)
def redispatch(ctx: JobContext) -> dict[str, Any]:
    """Hand off again queued runs whose hand-off failed (Redis down) or whose queue lost them."""
    from app.jobs.dispatch import redispatch as redo

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return {"redispatched": redo(app, LOST_AFTER)}


@job("jobs.reap", label="回收中断的任务", attempts=1)
def reap(ctx: JobContext) -> dict[str, Any]:
    """Runs whose worker died mid-way: queued again while attempts remain, else failed."""
    now = utcnow()
    dead = db.session.scalars(
        sa.select(JobRun).where(
            JobRun.status == JobStatus.RUNNING, JobRun.heartbeat_at < now - DEAD_AFTER
        )
    ).all()
    for run in dead:
        seen = run.heartbeat_at or now  # never None: selected by heartbeat_at < cutoff
        run.error = (
            f"执行中断：工作进程在 {clock.local(seen):%Y-%m-%d %H:%M:%S}（北京时间）后失去响应。"
        )
        if run.attempts < run.max_attempts:
            run.status, run.dispatched_at, run.not_before = JobStatus.QUEUED, None, None
        else:
            run.status, run.finished_at = JobStatus.FAILED, now
    db.session.execute(sa.delete(PeriodicSlot).where(PeriodicSlot.claimed_at < now - KEEP_SLOTS))
    db.session.execute(
        sa.delete(JobRun).where(
            JobRun.status == JobStatus.SUCCEEDED, JobRun.finished_at < now - KEEP_SUCCEEDED
        )
    )
    return {"reaped": len(dead)}


@job("forms.sweep", label="清理过期的表单提交记录", attempts=1)
def sweep_submissions(ctx: JobContext) -> dict[str, Any]:
    """Forget one-time form tokens older than two days (their forms are taken as new)."""
    from app import submissions

    return {"removed": submissions.sweep()}


@job("sessions.purge", label="清理过期的登录会话", attempts=1)
def purge_sessions(ctx: JobContext) -> dict[str, Any]:
    """Delete session records whose absolute lifetime ended SESSION_KEEP_DAYS ago."""
    cutoff = utcnow() - timedelta(days=current_app.config["SESSION_KEEP_DAYS"])
    # every record ends at its expiry at the latest (ended ones sooner): one indexed range
    result = db.session.execute(sa.delete(UserSession).where(UserSession.expires_at < cutoff))
    # DML runs as a CursorResult (rowcount); Session.execute is typed as returning a Result
    return {"purged": cast("sa.CursorResult[Any]", result).rowcount}
