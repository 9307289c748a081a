"""What administrators do with job runs: look at them, retry the failed ones."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination

from app import audit
from app.errors import DomainError
from app.extensions import db
from app.jobs.dispatch import remember
from app.models import JobRun, JobStatus, User

PAGE_SIZE = 30
STATUS_TABS = ("failed", "running", "queued", "succeeded")


@dataclass(frozen=True)
class Overview:
    """How many runs are in each state."""

    counts: dict[str, int]


def overview() -> Overview:
    """Counts per status (one grouped query)."""
    rows = db.session.execute(sa.select(JobRun.status, sa.func.count()).group_by(JobRun.status))
    counts = {status.value: 0 for status in JobStatus}
    counts.update({status.value: count for status, count in rows})
    return Overview(counts)


def runs(status: str, page: int) -> Pagination:
    """One page of runs in a state, newest first."""
    query = sa.select(JobRun).where(JobRun.status == JobStatus(status)).order_by(JobRun.id.desc())
    return db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)


def latest(name: str) -> JobRun | None:
    """The most recent run of a job (the engine page shows the last build and training)."""
    return db.session.scalar(
        sa.select(JobRun).where(JobRun.name == name).order_by(JobRun.id.desc()).limit(1)
    )


def retry(admin: User | None, run: JobRun) -> None:
    """Queue a failed run again from its first attempt (handed to the queue on commit)."""
    if run.status is not JobStatus.FAILED:
        raise DomainError(f"只能重试失败的任务，该任务{run.status.label}。")
    run.status = JobStatus.QUEUED
    run.attempts = 0
    run.finished_at = None
    run.not_before = None
    run.dispatched_at = None
    run.progress_done = run.progress_total = 0
    db.session.flush()
    remember(db.session(), run.id)
    if admin is not None:
        audit.record(admin, "retry", run, run.name)
