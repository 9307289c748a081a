"""Asking for the bulk downloads to be built again: once per transaction, debounced.

A transaction that records a release asks for one `open_data.refresh` run, started
OPEN_DATA_REFRESH_DELAY seconds after it commits; a run that finds a later one queued leaves
the work to it, so a burst of changes is built once. The daily run (app/jobs/periodic.py)
catches expiry, batches made public on their day and anything a failed run missed.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db
from app.jobs import enqueue_later

REFRESH = "open_data.refresh"
_ASKED = "open_data_refresh_asked"


def request_refresh() -> None:
    """Queue one refresh for after this transaction commits (no-op when switched off)."""
    if not current_app.config["OPEN_DATA_AUTO_REFRESH"]:
        return
    session = db.session()
    if session.info.get(_ASKED):
        return
    session.info[_ASKED] = True
    enqueue_later(REFRESH, float(current_app.config["OPEN_DATA_REFRESH_DELAY"]))


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_ASKED, None)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session, *_: Any) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_ASKED, None)
