"""Matching work done by the job worker: training the re-ranker on review decisions."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.jobs import JobContext, job
from app.models import JobRun, User

TRAIN = "matching.train"


@job(TRAIN, label="训练推荐重排序模型", queue="bulk", attempts=1, timeout=1800)
def train(ctx: JobContext, admin_id: int | None = None) -> dict[str, Any]:
    """Train on the decisions; the model is activated only if it beats the base score."""
    from app.recommendations import learning  # scikit-learn: loaded by the worker only

    admin = db.session.get(User, admin_id) if admin_id is not None else None
    row = learning.train(admin)
    return {"version": row.version, "active": row.active, "reason": row.reason}


def latest_training() -> JobRun | None:
    """The most recent training run, for the engine page."""
    return db.session.scalar(
        sa.select(JobRun).where(JobRun.name == TRAIN).order_by(JobRun.id.desc()).limit(1)
    )
