"""Background jobs: one record per run, and the time slots periodic jobs have claimed."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, enum_column, utcnow
from app.models.org import User


class JobStatus(enum.StrEnum):
    """Where a run is: waiting (also between attempts), running, done, or given up."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def label(self) -> str:
        """The Chinese name shown to administrators."""
        return {
            "queued": "排队中",
            "running": "执行中",
            "succeeded": "已完成",
            "failed": "失败",
        }[self.value]


class JobRun(Base):
    """One run of a background job, written in the transaction that asked for it.

    The queue (RQ on Redis, or a thread pool in-process) is told only after that transaction
    commits, so a job never runs against data that was rolled back, and a run whose hand-off
    failed (Redis down) is still here, queued, to be handed off again.
    """

    __tablename__ = "job_runs"
    __table_args__ = (
        sa.Index("ix_job_runs_status_id", "status", "id"),
        sa.CheckConstraint("attempts >= 0 AND max_attempts >= 1", name="attempts"),
        sa.CheckConstraint(
            "(status IN ('succeeded', 'failed')) = (finished_at IS NOT NULL)", name="finished"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60), index=True)
    args: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    status: Mapped[JobStatus] = mapped_column(
        enum_column(JobStatus, "job_status"), default=JobStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=1)
    # progress reported by the job, read by pages that poll it
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    progress_note: Mapped[str] = mapped_column(sa.String(200), default="")
    result: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    enqueued_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # when the queue was told; NULL while the hand-off is still to be done (or redone)
    dispatched_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # the earliest time the next attempt may start (retries wait with backoff)
    not_before: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    worker: Mapped[str] = mapped_column(sa.String(120), default="")

    created_by: Mapped[User | None] = relationship()

    @property
    def percent(self) -> int | None:
        """Progress as a whole percentage, when the job reported a total."""
        if self.progress_total <= 0:
            return None
        return min(100, round(100 * self.progress_done / self.progress_total))


class PeriodicSlot(Base):
    """A periodic job's time slot, claimed once: two schedulers can never both run it."""

    __tablename__ = "periodic_slots"

    name: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    slot: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), primary_key=True)
    run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("job_runs.id", ondelete="SET NULL"))
    claimed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
