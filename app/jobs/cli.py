"""`flask jobs worker | scheduler | run | retry | list` (thin: the work is in app.jobs)."""

from __future__ import annotations

import logging
from datetime import timedelta

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

from app.extensions import db
from app.jobs import admin, dispatch
from app.jobs.registry import spec
from app.models import JobRun

group = AppGroup("jobs", help="Background jobs: the RQ worker, the scheduler, runs.")


def _app() -> Flask:
    return current_app._get_current_object()  # type: ignore[attr-defined]


def _require_redis(app: Flask) -> None:
    if app.config["JOBS_MODE"] != "rq":
        raise click.ClickException(
            "未设置 REDIS_URL：嵌入式模式下任务在 Web 进程内执行，无需单独的 worker。"
        )


@group.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty (tests, drains).")
def worker(burst: bool) -> None:
    """Run jobs from Redis (default queue first, then bulk); retries wait in its scheduler."""
    from rq import Worker

    from app.jobs import rq_backend

    app = _app()
    _require_redis(app)
    rq_backend.set_worker_app(app)
    handed = dispatch.redispatch(app, timedelta(0))  # runs left from a Redis outage
    db.session.remove()
    if handed:
        click.echo(f"已重新派发 {handed} 个排队中的任务。")
    queues = [rq_backend.queue(app, name) for name in rq_backend.QUEUES]
    Worker(queues, connection=rq_backend.redis_of(app)).work(
        with_scheduler=True, burst=burst, logging_level=logging.getLevelName(app.logger.level)
    )


@group.command("scheduler")
def scheduler() -> None:
    """Enqueue the periodic jobs on their schedule (app/jobs/periodic.py)."""
    from rq.cron import CronScheduler

    from app.jobs import periodic, rq_backend

    app = _app()
    _require_redis(app)
    cron = CronScheduler(connection=rq_backend.redis_of(app), name="jinan-scheduler")
    for entry in periodic.SCHEDULE:
        cron.register(rq_backend.fire, queue_name="default", args=(entry.name,), cron=entry.cron)
    click.echo(f"定时任务 {len(periodic.SCHEDULE)} 个已登记（UTC 时间）。")
    cron.start()


@group.command("run")
@click.argument("name")
def run(name: str) -> None:
    """Queue one run of a job without arguments (e.g. listings.expire) now."""
    try:
        spec(name)
    except KeyError as exc:
        raise click.ClickException(f"没有名为 {name} 的任务。") from exc
    queued = dispatch.enqueue(name)
    db.session.commit()
    click.echo(f"已排队：#{queued.id} {name}")


@group.command("retry")
@click.argument("run_id", type=int)
def retry(run_id: int) -> None:
    """Queue a failed run again."""
    run_row = db.session.get(JobRun, run_id)
    if run_row is None:
        raise click.ClickException(f"没有编号为 {run_id} 的任务。")
    admin.retry(None, run_row)
    db.session.commit()
    click.echo(f"已重新排队：#{run_id} {run_row.name}")


@group.command("list")
@click.option("--limit", default=20, show_default=True)
def list_runs(limit: int) -> None:
    """The latest runs, newest first."""
    rows = db.session.scalars(sa.select(JobRun).order_by(JobRun.id.desc()).limit(limit))
    for row in rows:
        click.echo(f"#{row.id:<6} {row.status.label:<4} {row.name:<32} {row.error[:60]}")
