"""The jobs' gauges, read when /metrics is scraped: job records per status, the queues, and
whether the database and Redis answered (app.ops.metrics serves them)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from flask import Flask
from prometheus_client.core import GaugeMetricFamily, Metric

from app.errors import outage

logger = logging.getLogger(__name__)


class StateCollector:
    """Gauges computed when scraped: job records per status, the queues, what is reachable."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        """Everything read from the database and Redis now."""
        yield from self._job_runs()
        if self.app.config["JOBS_MODE"] == "rq":
            yield from self._queues()

    def _job_runs(self) -> Iterator[Metric]:
        from app.extensions import db
        from app.jobs import admin
        from app.models import JobRun, JobStatus
        from app.models.base import utcnow

        up = GaugeMetricFamily("jinan_database_up", "1 when the database answered this scrape.")
        try:
            counts = admin.overview().counts
            oldest = db.session.scalar(
                sa.select(sa.func.min(JobRun.enqueued_at)).where(JobRun.status == JobStatus.QUEUED)
            )
        except sa.exc.SQLAlchemyError as error:
            db.session.rollback()
            logger.warning("metrics: the database did not answer: %s", outage.summary(error))
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        runs = GaugeMetricFamily("jinan_job_runs", "Job records by status.", labels=["status"])
        for status, count in sorted(counts.items()):
            runs.add_metric([status], count)
        yield runs
        age = GaugeMetricFamily(
            "jinan_job_oldest_queued_seconds",
            "Age of the oldest queued job record (0 when none waits).",
        )
        age.add_metric([], (utcnow() - _aware(oldest)).total_seconds() if oldest else 0.0)
        yield age

    def _queues(self) -> Iterator[Metric]:
        from redis.exceptions import RedisError

        from app.jobs import rq_backend

        up = GaugeMetricFamily("jinan_redis_up", "1 when Redis answered this scrape.")
        try:
            lengths = rq_backend.queue_lengths(self.app)
        except RedisError as error:
            logger.warning("metrics: Redis did not answer: %s", error)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        queued = GaugeMetricFamily(
            "jinan_jobs_queue_length", "Jobs waiting in each RQ queue.", labels=["queue"]
        )
        for name, length in sorted(lengths.items()):
            queued.add_metric([name], length)
        yield queued


def _aware(moment: Any) -> Any:
    """SQLite hands back naive datetimes for timezone-aware columns; they are UTC."""
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
