"""Matching work done by the job worker: engine changes, the re-ranker, the change feed."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.engine_builds import maintenance
from app.extensions import db
from app.jobs import JobContext, job
from app.models import JobRun, JobStatus, User

TRAIN = "matching.train"


@job(maintenance.REBUILD, label="构建匹配引擎与索引", queue="bulk", attempts=2, timeout=3600)
def rebuild(ctx: JobContext, refeaturize: bool = False) -> dict[str, Any]:
    """Build the engine change once for the deployment (re-tokenising every listing first when
    the vocabulary changed); every matcher then loads the artifact and switches.

    Several changes in a row queue several runs; a run that a later queued one covers (it
    re-tokenises too, or need not) leaves the work to it: that one reads every change.
    """
    later = db.session.scalars(
        sa.select(JobRun).where(
            JobRun.name == maintenance.REBUILD,
            JobRun.status == JobStatus.QUEUED,
            JobRun.id > ctx.run_id,
        )
    ).all()
    if any(run.args.get("refeaturize") or not refeaturize for run in later):
        return {"skipped": "a later rebuild covers this one"}
    step = "重新分词" if refeaturize else "构建索引"
    built = maintenance.build_and_publish(
        current_app._get_current_object(),  # type: ignore[attr-defined]
        refeaturize,
        lambda done, total: ctx.progress(done, total, step),
    )
    return {"version": built.artifact.version, "seconds": round(built.seconds, 1)}


@job("matching.prune_feed", label="清理匹配变更记录", attempts=1)
def prune_feed(ctx: JobContext) -> dict[str, Any]:
    """Delete change-feed rows older than MATCHING_FEED_DAYS (matchers further behind rebuild)."""
    return {"deleted": maintenance.prune_feed(int(current_app.config["MATCHING_FEED_DAYS"]))}


@job(TRAIN, label="训练推荐重排序模型", queue="bulk", attempts=1, timeout=1800)
def train(ctx: JobContext, admin_id: int | None = None) -> dict[str, Any]:
    """Train on the decisions; the model is activated only if it beats the base score."""
    from app.engine_builds import learning  # scikit-learn: loaded by the worker only

    admin = db.session.get(User, admin_id) if admin_id is not None else None
    row = learning.train(admin)
    return {"version": row.version, "active": row.active, "reason": row.reason}
