"""`python -m tooling.bench.worker`: a job worker's memory, idle and while it imports 5,000 rows.

    python -m tooling.bench.worker --database postgresql+psycopg://postgres@127.0.0.1:5432/bench_worker

The database's schema is DROPPED and rebuilt. A job worker is started as deployed
(`flask jobs worker`, RQ on Redis database 11, which is emptied); its resident memory is read
once it is idle. Then a publisher's spreadsheet of 5,000 scenarios is stored and its import
asked for, as the import page does, and the worker with the work horse RQ forks for the job is
sampled until the run ends. Prints JSON; the sizing table of docs/deployment.md quotes it.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from openpyxl import load_workbook
from redis import Redis
from rq import Worker

from app import clock
from app.config import ROOT
from tooling.bench.matching_service import SECRET, Sampler, bench_app, machine, rss_mib

REDIS_URL = "redis://127.0.0.1:6379/11"
ROWS = 5_000
FLASK = str(Path(sys.executable).with_name("flask"))  # the virtualenv's, beside this Python


def workbook(url: str, rows: int) -> bytes:
    """The scenario template (its drop-downs read from the database) filled with `rows`
    distinct, valid scenarios."""
    from app.excel.workbook import template

    with bench_app(url).app_context():
        blank = template("scenario")
    book = load_workbook(io.BytesIO(blank))
    sheet = book.worksheets[0]
    heads = [cell.value for cell in sheet[1]]
    deadline = date(clock.today().year + 1, 12, 31).isoformat()
    for n in range(rows):
        row = {
            "场景名称": f"智慧停车诱导系统建设第{n + 1}期",
            "应用领域": "智慧交通",
            "所在区县": "历下区",
            "现状与痛点": f"老城区第{n % 97 + 1}片区停车位紧张，驾驶人找车位绕行时间长，造成拥堵。",
            "建设需求": "接入路侧和停车场泊位数据，发布诱导信息，支持预约停车。",
            "预期成效": "找车位时间缩短三成。",
            "技术方向": "物联网、大数据",
            "预算（万元）": 100 + n % 400,
            "开放方式": "揭榜挂帅",
            "申报截止日期": deadline,
            "联系人": "王工",
            "联系电话": "13905310001",
        }
        for column, head in enumerate(heads, start=1):
            if head in row:
                sheet.cell(n + 2, column, row[head])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def prepare(url: str) -> int:
    """A fresh schema with the taxonomy, one publisher and its user; the user's id."""
    from flask_migrate import upgrade

    from app import taxonomy
    from app.extensions import db
    from app.models import Organization, OrgStatus, Role, User
    from tooling.bench.lists import reset_database

    reset_database(url)
    with bench_app(url).app_context():
        upgrade(directory=str(ROOT / "migrations"))
        taxonomy.load_taxonomy(ROOT / "seed" / "taxonomy.json")
        org = Organization(
            name="基准发布单位", role=Role.PUBLISHER, kind="政府部门", district="历下区"
        )
        org.status = OrgStatus.APPROVED
        user = User(email="bench-worker@example.com", name="基准", role=Role.PUBLISHER)
        user.organization = org
        user.set_password("Bench-worker-2026!")
        db.session.add_all([org, user])
        db.session.commit()
        return user.id


def start_worker(url: str) -> subprocess.Popen[bytes]:
    """`flask jobs worker` as deploy/systemd/jinan-worker@.service runs it."""
    env = {
        **os.environ,
        "APP_ENV": "development",
        "SECRET_KEY": SECRET,
        "DATABASE_URL": url,
        "REDIS_URL": REDIS_URL,
        "LOG_LEVEL": "warning",
    }
    return subprocess.Popen(  # noqa: S603 -- our own command
        [FLASK, "--app", "app", "jobs", "worker"], env=env, cwd=ROOT
    )


def wait_registered(redis: Redis, seconds: float = 60) -> float:
    """Seconds until the worker registered with RQ."""
    started = time.perf_counter()
    while not Worker.all(connection=redis):
        if time.perf_counter() - started > seconds:
            raise TimeoutError("the job worker did not start")
        time.sleep(0.05)
    return time.perf_counter() - started


def run_import(url: str, user_id: int, data: bytes, worker_pid: int) -> dict[str, Any]:
    """Ask for the import as the page does; sample the worker until the run ends."""
    from app.excel import storage
    from app.excel.jobs import IMPORT
    from app.extensions import db
    from app.jobs import enqueue
    from app.models import JobRun, JobStatus, User

    app = bench_app(url, JOBS_MODE="rq", REDIS_URL=REDIS_URL)
    with app.app_context():
        user = db.session.get(User, user_id)
        token = storage.save(data, user_id, "scenario", "bench.xlsx")
        run = enqueue(IMPORT, created_by=user, token=token, user_id=user_id)
        storage.attach_run(token, run.id)
        sampler = Sampler(worker_pid, interval=0.1)
        sampler.start()
        started = time.perf_counter()
        db.session.commit()  # hands the run to RQ
        run_id = run.id
        while True:
            db.session.expire_all()
            status = db.session.scalar(sa.select(JobRun.status).where(JobRun.id == run_id))
            if status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
                break
            if time.perf_counter() - started > 900:
                raise TimeoutError("the import did not finish within 15 minutes")
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        peaks = sampler.stop()
        done = db.session.get(JobRun, run_id)
        return {
            "status": str(status),
            "seconds": round(seconds, 1),
            "result": done.result if done else None,
            "error": (done.error or "")[:500] if done else "",
            **peaks,
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default=os.environ.get("BENCH_WORKER_DATABASE_URL", ""))
    parser.add_argument("--rows", type=int, default=ROWS)
    args = parser.parse_args(argv)
    if not args.database.startswith("postgresql"):
        parser.error("--database: a PostgreSQL URL (its schema is dropped)")
    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    user_id = prepare(args.database)
    data = workbook(args.database, args.rows)
    worker = start_worker(args.database)
    try:
        result: dict[str, Any] = {"rows": args.rows, "file_kib": round(len(data) / 1024)}
        result["worker_start_s"] = round(wait_registered(redis), 1)
        time.sleep(3)
        result["idle_rss_mib"] = round(rss_mib(worker.pid))
        result["import"] = run_import(args.database, user_id, data, worker.pid)
        result["after_rss_mib"] = round(rss_mib(worker.pid))
        result["machine"] = machine()
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        redis.flushdb()
    print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
