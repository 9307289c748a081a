"""Background jobs: imports, publication side effects, mail, digests, reminders, expiry, due
batches, re-ranker training, rebuilds and re-tokenising run outside web requests.

    @job("excel.import", label="Excel 导入", queue="bulk")
    def import_upload(ctx: JobContext, token: str) -> dict: ...

    run = enqueue("excel.import", created_by=user, token=token)  # runs once this commits

Every run has a record (`job_runs`) that administrators see and can retry. The queue is RQ on
Redis when REDIS_URL is set, else a thread pool inside the process (see app/jobs/dispatch.py).
"""

from flask import Flask

from app.config import ConfigError
from app.jobs.dispatch import enqueue, enqueue_later
from app.jobs.gauges import StateCollector
from app.jobs.registry import job, load
from app.jobs.runner import JobContext
from app.ops import metrics

__all__ = ["JobContext", "enqueue", "enqueue_later", "init_app", "job"]


def init_app(app: Flask) -> None:
    """Register the jobs; in the embedded mode, start this process's scheduler on first use."""
    load()
    metrics.add_collector(app, StateCollector(app))
    if app.config["JOBS_MODE"] == "rq" and not app.config["REDIS_URL"]:
        raise ConfigError("JOBS_MODE=rq needs REDIS_URL (e.g. redis://127.0.0.1:6379/0)")
    if app.config["JOBS_MODE"] != "thread" or not app.config["JOBS_LOCAL_SCHEDULER"]:
        return

    started = False

    @app.before_request
    def _start_scheduler() -> None:
        nonlocal started
        if not started:  # serving processes only: commands and tests never tick
            from app.jobs.periodic import start_local_scheduler

            start_local_scheduler(app)
            started = True
