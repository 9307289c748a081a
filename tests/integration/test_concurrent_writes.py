"""A burst of concurrent writes waits its turn instead of failing ("database is locked")."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa
from flask import Flask

from app.extensions import db
from app.models import AuditEvent

# concurrent writers, each on a connection of its own
pytestmark = pytest.mark.commits

WRITERS = 20


HOLD_SECONDS = 0.3  # each writer keeps the lock this long: 20 of them, longer than sqlite3's 5 s


def _read_then_write(app: Flask, n: int, start: threading.Barrier, errors: list[str]) -> None:
    """One form POST's transaction: read, write, work a little (hashing, say), commit."""
    with app.test_request_context("/", method="POST"):
        try:
            start.wait()
            seen = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
            db.session.add(
                AuditEvent(action="burst", subject_type="test", subject_id=n, note=str(seen))
            )
            db.session.flush()
            time.sleep(HOLD_SECONDS)
            db.session.commit()
        except Exception as exc:  # noqa: BLE001 - every failure is the finding
            errors.append(repr(exc))
            db.session.rollback()
        finally:
            db.session.remove()


def test_twenty_concurrent_writes_all_succeed(app: Flask) -> None:
    """Each waits for the writers before it, however long the queue, and none is refused."""
    errors: list[str] = []
    start = threading.Barrier(WRITERS)
    threads = [
        threading.Thread(target=_read_then_write, args=(app, n, start, errors))
        for n in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    written = db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "burst")
    )
    assert written == WRITERS


def test_only_writing_work_takes_the_write_lock_at_begin(app: Flask) -> None:
    """Pages (GET) read without queueing behind writers; forms and jobs take the lock first."""
    from app.runtime.sqlite import takes_write_lock, writing

    with app.test_request_context("/", method="GET"):
        assert not takes_write_lock()
        with writing():
            assert takes_write_lock()
    with app.test_request_context("/", method="POST"):
        assert takes_write_lock()
