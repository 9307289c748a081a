"""Periodic jobs: declared once, here; each run claims its time slot in the database.

With Redis, `rq cron app.jobs.cron` enqueues them (deploy/systemd/jinan-scheduler.service);
without it, every process of the embedded default runs a small scheduler thread. Either way a
run first inserts (job, slot) into `periodic_slots`: the primary key lets exactly one claimant
win, so two schedulers, a restarted scheduler or several web processes never run the same
periodic job twice for one slot.

Times are cron expressions in UTC (Beijing is UTC+8: 16:05 UTC is 00:05 in Jinan).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from croniter import croniter
from flask import Flask
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.jobs.registry import spec
from app.models import JobRun, PeriodicSlot
from app.models.base import utcnow
from app.runtime.sqlite import writing

logger = logging.getLogger(__name__)

TICK_SECONDS = 20  # how often the in-process scheduler looks at the clock


@dataclass(frozen=True)
class Periodic:
    """A job run on a schedule, with no arguments."""

    name: str
    cron: str  # UTC


SCHEDULE = (
    Periodic("notifications.send", "* * * * *"),  # e-mail outbox, every minute
    Periodic("jobs.redispatch", "* * * * *"),  # runs whose hand-off to the queue failed
    Periodic("jobs.reap", "* * * * *"),  # runs whose worker died mid-way
    Periodic("dashboard.refresh", "* * * * *"),  # the city's figures, for every machine
    Periodic("imports.sweep", "17 * * * *"),  # spreadsheets uploaded and never imported
    Periodic("forms.sweep", "47 * * * *"),  # one-time form tokens older than two days
    Periodic("search.compact_counts", "*/10 * * * *"),  # the published counts' change rows
    Periodic("listings.expire", "5 16 * * *"),  # 00:05 in Jinan
    Periodic("batches.publish_due", "1 16 * * *"),  # 00:01 in Jinan
    # 00:20 in Jinan: after expiry; releases back-filled, bulk downloads built again
    Periodic("open_data.daily", "20 16 * * *"),
    Periodic("notifications.digest", "0 0 * * *"),  # 08:00 in Jinan
    Periodic("notifications.remind_deadlines", "0 1 * * *"),  # 09:00 in Jinan
    Periodic("matching.prune_feed", "30 19 * * *"),  # 03:30 in Jinan
    Periodic("audit.purge", "45 19 * * *"),  # 03:45 in Jinan: records past their retention
    Periodic("sessions.purge", "50 19 * * *"),  # 03:50 in Jinan: sessions ended long ago
)


def periodic(name: str) -> Periodic:
    """The declared schedule of a periodic job."""
    return next(p for p in SCHEDULE if p.name == name)


def slot_of(entry: Periodic, now: datetime) -> datetime:
    """The most recent scheduled time at or before now (the slot a run at `now` belongs to)."""
    # croniter's get_prev is strictly before its start: start one second after now
    start = now.astimezone(UTC).replace(microsecond=0) + timedelta(seconds=1)
    return croniter(entry.cron, start).get_prev(datetime)


def claim(name: str, slot: datetime) -> int | None:
    """Claim (job, slot) and record its run; the run id, or None when already claimed."""
    with writing():
        try:
            run = JobRun(name=name, args={}, max_attempts=spec(name).attempts)
            db.session.add(run)
            db.session.flush()
            db.session.add(PeriodicSlot(name=name, slot=slot, run_id=run.id))
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            return None
    return run.id


def claim_due(name: str, now: datetime | None = None) -> int | None:
    """Claim the current slot of a periodic job (what a scheduler's tick does)."""
    return claim(name, slot_of(periodic(name), now or utcnow()))


class LocalScheduler:
    """The embedded default's scheduler: a thread per process, claims decide who runs."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.stop = threading.Event()
        self.tried: dict[str, datetime] = {}  # each job's slot this process already claimed or lost
        self.thread = threading.Thread(target=self._loop, name="job-scheduler", daemon=True)

    def start(self) -> None:
        """Begin ticking."""
        self.thread.start()

    def _loop(self) -> None:
        while not self.stop.wait(TICK_SECONDS):
            try:
                self.tick()
            except Exception:  # the next tick tries again
                logger.exception("the in-process scheduler failed a tick")

    def tick(self, now: datetime | None = None) -> list[int]:
        """Claim every periodic job's current slot not yet claimed; run what this process won."""
        from app.jobs.dispatch import local_pool

        won = []
        now = now or utcnow()
        with self.app.app_context():
            for entry in SCHEDULE:
                slot = slot_of(entry, now)
                if self.tried.get(entry.name) == slot:  # one write per slot, not one per tick
                    continue
                run_id = claim(entry.name, slot)
                self.tried[entry.name] = slot
                if run_id is not None:
                    won.append(run_id)
            db.session.remove()
        for run_id in won:
            local_pool(self.app).submit(run_id)
        return won


_lock = threading.Lock()


def start_local_scheduler(app: Flask) -> None:
    """Start this process's scheduler once (the embedded default, JOBS_MODE=thread)."""
    with _lock:
        if "jobs_scheduler" not in app.extensions:
            scheduler = app.extensions["jobs_scheduler"] = LocalScheduler(app)
            scheduler.start()
