"""Background jobs: a record per run, run once its transaction commits, retried, reaped,
retried by administrators, and periodic jobs that never run twice for one slot."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from app.extensions import db
from app.jobs import JobContext, dispatch, enqueue, job, periodic, runner
from app.jobs.housekeeping import DEAD_AFTER, reap
from app.models import AuditEvent, JobRun, JobStatus, PeriodicSlot, Role, User
from app.models.base import utcnow
from tests.conftest import login
from tests.factories import make_org, make_user

CALLS: list[tuple[str, Any]] = []


@job("test.record", label="测试：记录", attempts=1)
def _record(ctx: JobContext, note: str) -> dict[str, Any]:
    """Writes an audit row in the job's transaction, and remembers it ran."""
    CALLS.append(("record", note))
    db.session.add(AuditEvent(action="job", subject_type="test", subject_id=0, note=note))
    return {"note": note}


@job("test.flaky", label="测试：先失败后成功", attempts=3, backoff=(0,))
def _flaky(ctx: JobContext, fail_times: int) -> dict[str, Any]:
    """Fails its first `fail_times` attempts, writing a row it must not keep each time."""
    db.session.add(AuditEvent(action="half", subject_type="test", subject_id=ctx.attempt))
    db.session.flush()
    if ctx.attempt <= fail_times:
        raise RuntimeError(f"attempt {ctx.attempt} broke")
    return {"attempt": ctx.attempt}


BROKEN: set[str] = set()


@job("test.until_fixed", label="测试：修好之前一直失败", attempts=2, backoff=(0,))
def _until_fixed(ctx: JobContext) -> dict[str, Any]:
    """Fails while the test says its dependency is broken."""
    if "smtp" in BROKEN:
        raise ConnectionError("SMTP server unreachable")
    return {"ok": True}


@job("test.progress", label="测试：进度", attempts=1)
def _progress(ctx: JobContext, steps: int) -> dict[str, Any]:
    """Reports progress step by step (each step waits for the test to let it go on)."""
    for done in range(1, steps + 1):
        GATE.wait(timeout=10)
        ctx.progress(done, steps, f"第{done}步")
        GATE.clear()
        STEPPED.set()
    return {"steps": steps}


GATE = threading.Event()
STEPPED = threading.Event()


@pytest.fixture(autouse=True)
def _forget_calls() -> None:
    CALLS.clear()
    BROKEN.clear()
    GATE.clear()
    STEPPED.clear()


def runs(name: str) -> list[JobRun]:
    """Every run of a job, oldest first, read fresh."""
    db.session.expire_all()
    return list(
        db.session.scalars(sa.select(JobRun).where(JobRun.name == name).order_by(JobRun.id))
    )


def test_a_job_runs_once_its_transaction_commits_and_keeps_its_result(app: Flask) -> None:
    run = enqueue("test.record", note="点亮")
    assert CALLS == []  # not before the commit
    db.session.commit()
    assert CALLS == [("record", "点亮")]
    [done] = runs("test.record")
    assert done.id == run.id
    assert done.status is JobStatus.SUCCEEDED
    assert done.result == {"note": "点亮"}
    assert done.attempts == 1
    assert done.finished_at is not None
    assert db.session.scalar(sa.select(AuditEvent.note).where(AuditEvent.action == "job")) == "点亮"


def test_a_rolled_back_request_leaves_no_run_and_runs_nothing(app: Flask) -> None:
    enqueue("test.record", note="撤销")
    db.session.rollback()
    db.session.commit()
    assert CALLS == []
    assert runs("test.record") == []


def test_a_failed_attempt_leaves_nothing_behind_and_is_retried_after_its_backoff(
    app: Flask,
) -> None:
    enqueue("test.flaky", fail_times=1)
    db.session.commit()  # eager: the first attempt runs now and fails
    [run] = runs("test.flaky")
    assert run.status is JobStatus.QUEUED
    assert run.attempts == 1
    assert "attempt 1 broke" in run.error
    assert run.not_before is not None
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "half")) == 0

    with app.app_context():
        assert runner.execute(run.id) is JobStatus.SUCCEEDED  # the retry
    [run] = runs("test.flaky")
    assert run.status is JobStatus.SUCCEEDED
    assert run.attempts == 2
    assert run.error == ""
    kept = db.session.scalars(sa.select(AuditEvent.subject_id).where(AuditEvent.action == "half"))
    assert list(kept) == [2]  # only the successful attempt's work


@pytest.mark.commits  # the run's state is committed beside the job's transaction, which rolls back
def test_a_job_that_keeps_failing_is_recorded_as_failed_with_its_error(app: Flask) -> None:
    enqueue("test.flaky", fail_times=99)
    db.session.commit()
    for _ in range(2):
        with app.app_context():
            runner.execute(runs("test.flaky")[0].id)
    [run] = runs("test.flaky")
    assert run.status is JobStatus.FAILED
    assert run.attempts == run.max_attempts == 3
    assert run.error.startswith("RuntimeError: attempt 3 broke")
    assert "Traceback" in run.error


def test_a_run_delivered_twice_is_executed_once(app: Flask) -> None:
    run = enqueue("test.record", note="一次")
    db.session.commit()
    with app.app_context():
        assert runner.execute(run.id) is None  # already succeeded: not claimed again
    assert CALLS == [("record", "一次")]


@pytest.mark.commits  # the run's state is committed beside the job's transaction, which rolls back
def test_a_system_administrator_retries_a_failed_run(
    app: Flask, client: Any, sysadmin: User
) -> None:
    BROKEN.add("smtp")
    enqueue("test.until_fixed")
    db.session.commit()
    with app.app_context():
        runner.execute(runs("test.until_fixed")[0].id)
    [run] = runs("test.until_fixed")
    assert run.status is JobStatus.FAILED

    login(client, sysadmin)
    page = client.get("/review/jobs").get_data(as_text=True)
    assert "测试：修好之前一直失败" in page
    assert "SMTP server unreachable" in page
    BROKEN.clear()  # the operator fixed the mail server
    response = client.post(f"/review/jobs/{run.id}/retry")
    assert response.headers["Location"] == "/review/jobs?status=failed"
    [run] = runs("test.until_fixed")
    assert run.status is JobStatus.SUCCEEDED  # eager: queued again and run on commit
    assert run.attempts == 1  # counted afresh
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "retry"))


def test_only_failed_runs_can_be_retried(client: Any, sysadmin: User) -> None:
    run = enqueue("test.record", note="好的")
    db.session.commit()
    login(client, sysadmin)
    client.post(f"/review/jobs/{run.id}/retry")
    assert "只能重试失败的任务" in client.get("/review/jobs").get_data(as_text=True)
    assert CALLS == [("record", "好的")]


def test_a_run_whose_worker_died_is_queued_again_then_failed(app: Flask) -> None:
    stale = utcnow() - DEAD_AFTER - timedelta(seconds=1)
    alive = JobRun(name="test.record", status=JobStatus.RUNNING, heartbeat_at=utcnow())
    dying = JobRun(
        name="test.record",
        status=JobStatus.RUNNING,
        heartbeat_at=stale,
        attempts=1,
        max_attempts=2,
        dispatched_at=stale,
    )
    dead = JobRun(
        name="test.record",
        status=JobStatus.RUNNING,
        heartbeat_at=stale,
        attempts=2,
        max_attempts=2,
    )
    db.session.add_all([alive, dying, dead])
    db.session.commit()
    assert reap(JobContext(0, 1)) == {"reaped": 2}
    db.session.commit()
    db.session.expire_all()
    assert alive.status is JobStatus.RUNNING
    assert dying.status is JobStatus.QUEUED
    assert dying.dispatched_at is None
    assert dead.status is JobStatus.FAILED
    assert "失去响应" in dead.error


def test_the_starter_polls_progress_others_get_404(
    fresh_app: Callable[..., Flask], client: Any
) -> None:
    threaded = fresh_app(JOBS_MODE="thread", WTF_CSRF_ENABLED=False)
    with threaded.app_context():
        firm = make_user(make_org(Role.FIRM))
        other = make_user(make_org(Role.FIRM))
        run = enqueue("test.progress", created_by=firm, steps=2)
        db.session.commit()  # thread mode: handed to this process's pool
        run_id, firm_id, other_id = run.id, firm.id, other.id
    poll = threaded.test_client()
    with threaded.app_context():
        login(poll, db.session.get(User, firm_id))
    GATE.set()
    assert STEPPED.wait(timeout=10)
    STEPPED.clear()
    state = poll.get(f"/jobs/{run_id}").get_json()
    assert (state["status"], state["done"], state["total"]) == ("running", 1, 2)
    assert state["note"] == "第1步"
    assert state["percent"] == 50
    GATE.set()
    for _ in range(100):
        state = poll.get(f"/jobs/{run_id}").get_json()
        if state["finished"]:
            break
        time.sleep(0.05)
    assert state["status"] == "succeeded"
    assert state["result"] == {"steps": 2}
    with threaded.app_context():
        login(poll, db.session.get(User, other_id))
    assert poll.get(f"/jobs/{run_id}").status_code == 404


@job("test.fan_out", label="测试：任务内再开线程", attempts=1)
def _fan_out(ctx: JobContext) -> dict[str, Any]:
    """Waits for the test, then starts threads of its own (as the dashboard's refresh does)."""
    from concurrent.futures import ThreadPoolExecutor

    GATE.wait(timeout=10)
    with ThreadPoolExecutor(max_workers=2) as pool:
        return {"sum": sum(pool.map(abs, [-1, -2, 3]))}


def test_a_process_leaving_finishes_its_in_process_jobs_and_stops_scheduling(
    fresh_app: Callable[..., Flask],
) -> None:
    threaded = fresh_app(JOBS_MODE="thread")
    with threaded.app_context():
        run_id = enqueue("test.fan_out").id
        db.session.commit()  # running in this process's pool, waiting at the gate
    scheduler = threaded.extensions["jobs_scheduler"] = periodic.LocalScheduler(threaded)
    threading.Timer(0.2, GATE.set).start()  # the job goes on while the process is leaving

    dispatch.finish_local(threaded)

    assert scheduler.stop.is_set()
    with threaded.app_context():
        run = db.session.get(JobRun, run_id)
        assert run is not None
        assert (run.status, run.result) == (JobStatus.SUCCEEDED, {"sum": 6})


def test_a_periodic_slot_is_claimed_once_however_many_schedulers_tick(
    app: Flask, fresh_app: Callable[..., Flask]
) -> None:
    now = utcnow()
    try:
        first = periodic.LocalScheduler(app).tick(now)
    finally:
        # the suite's app runs the slots it won in a pool of its own: they finish here, not
        # in the threads of later tests (whose connection they would share)
        dispatch.finish_local(app)
        app.extensions.pop("jobs_pool", None)
    second = periodic.LocalScheduler(fresh_app(JOBS_MODE="thread")).tick(now)
    assert len(first) == len(periodic.SCHEDULE)
    assert second == []
    claimed = db.session.scalars(sa.select(PeriodicSlot.name)).all()
    assert sorted(claimed) == sorted(p.name for p in periodic.SCHEDULE)


def test_a_scheduler_tries_each_slot_once_not_at_every_tick(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    tried: list[str] = []
    monkeypatch.setattr(periodic, "claim", lambda name, slot: tried.append(name))
    scheduler = periodic.LocalScheduler(app)
    now = datetime(2026, 12, 7, 11, 33, 5, tzinfo=UTC)  # the next minute starts no other slot
    scheduler.tick(now)
    assert len(tried) == len(periodic.SCHEDULE)
    tried.clear()
    scheduler.tick(now + timedelta(seconds=20))  # the same minute: nothing new to claim
    assert tried == []
    scheduler.tick(now + timedelta(minutes=1))  # the every-minute jobs' next slot
    every_minute = [p.name for p in periodic.SCHEDULE if p.cron == "* * * * *"]
    assert sorted(tried) == sorted(every_minute)


def test_a_periodic_slot_is_the_latest_scheduled_time() -> None:
    daily = periodic.Periodic("x", "5 16 * * *")
    at = datetime(2026, 12, 7, 16, 5, 0, tzinfo=UTC)
    assert periodic.slot_of(daily, at) == at
    assert periodic.slot_of(daily, at + timedelta(hours=23)) == at
    assert periodic.slot_of(daily, at - timedelta(seconds=1)) == at - timedelta(days=1)
    minutely = periodic.Periodic("y", "* * * * *")
    assert periodic.slot_of(minutely, at + timedelta(seconds=59)) == at


def test_with_redis_unreachable_requests_still_commit_and_runs_wait(
    fresh_app: Callable[..., Flask],
) -> None:
    offline = fresh_app(JOBS_MODE="rq", REDIS_URL="redis://127.0.0.1:1/0")
    with offline.app_context():
        run = enqueue("test.record", note="等待")
        db.session.commit()  # the hand-off fails; the transaction does not
        stored = db.session.get(JobRun, run.id)
        assert stored.status is JobStatus.QUEUED
        assert stored.dispatched_at is None  # redispatch hands it over once Redis is back
    assert CALLS == []


def test_redispatch_hands_over_what_is_due_and_skips_what_waits(app: Flask) -> None:
    ready = JobRun(name="test.record", args={"note": "补发"})
    waiting = JobRun(
        name="test.record", args={"note": "稍后"}, not_before=utcnow() + timedelta(minutes=5)
    )
    db.session.add_all([ready, waiting])
    db.session.commit()
    assert dispatch.redispatch(app, timedelta(minutes=5)) == 1
    assert CALLS == [("record", "补发")]


def test_a_run_recorded_in_a_rolled_back_savepoint_never_runs(app: Flask) -> None:
    with db.session.begin_nested():
        enqueue("test.record", note="保留")
    try:
        with db.session.begin_nested():
            enqueue("test.record", note="撤回")
            raise ValueError("this item is refused")
    except ValueError:
        pass
    db.session.commit()
    assert CALLS == [("record", "保留")]
    assert [run.args["note"] for run in runs("test.record")] == ["保留"]
