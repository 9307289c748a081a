"""Open data work outside requests: the bulk downloads built again after changes, and daily."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.jobs import JobContext, job
from app.models import JobRun, JobStatus
from app.open_data import backfill, exports
from app.open_data.refresh import REFRESH


@job(REFRESH, label="开放数据文件更新", queue="bulk", timeout=1800, attempts=3)
def refresh(ctx: JobContext) -> dict[str, Any]:
    """Build every bulk file from one snapshot, unless a later queued run will (a burst of
    changes is built once, by the last run asked for)."""
    later = db.session.scalar(
        sa.select(JobRun.id).where(
            JobRun.name == REFRESH, JobRun.status == JobStatus.QUEUED, JobRun.id > ctx.run_id
        )
    )
    if later is not None:
        return {"skipped": f"run {later} builds the files later"}
    return _build()


@job("open_data.daily", label="开放数据每日更新", queue="bulk", timeout=1800, attempts=3)
def daily(ctx: JobContext) -> dict[str, Any]:
    """Back-fill releases of listings published before releases existed, then build the files
    (expired scenarios and batches public from today are in them)."""
    added = backfill.backfill()
    db.session.commit()
    return {"backfilled": added, **_build()}


def _build() -> dict[str, Any]:
    files = exports.build_all()
    return {"files": len(files), "bytes": sum(f.size for f in files)}
