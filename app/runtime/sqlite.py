"""The embedded SQLite database made safe for several processes writing at once.

* WAL: readers never block the writer, nor the writer the readers.
* A busy timeout: a writer waits for the one holding the lock instead of failing at once.
* Work that writes takes the write lock when its transaction begins (BEGIN IMMEDIATE): requests
  with any method but GET/HEAD/OPTIONS, and jobs and commands inside `writing()`. A transaction
  that has read and only then writes cannot wait for the lock (SQLite refuses it at once when
  another writer committed in between, whatever the timeout); one that asks first simply waits
  its turn, and its reads and writes form one consistent unit.
* Everything else keeps the driver's own behaviour: reads run without holding a snapshot (each
  sees the latest commit) and a stray write begins a transaction of its own just before it.
  So pages never queue behind writers, and a read-only side session opened by a request that
  already holds the lock does not wait for its own request.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_writing: ContextVar[bool] = ContextVar("sqlite_writing", default=False)
_holding: ContextVar[bool] = ContextVar("sqlite_holding", default=False)
_background: ContextVar[bool] = ContextVar("sqlite_background", default=False)


@contextmanager
def writing() -> Iterator[None]:
    """Transactions begun inside this block take the write lock first (jobs, commands)."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


@contextmanager
def background() -> Iterator[None]:
    """A job's own unit of work: the request that may have started it (eager mode) is not it."""
    token = _background.set(True)
    held = _holding.set(False)
    try:
        yield
    finally:
        _holding.reset(held)
        _background.reset(token)


def wants_to_write() -> bool:
    """Whether the current unit of work (a request, a job) may write."""
    if _writing.get():
        return True
    return not _background.get() and has_request_context() and request.method not in READ_METHODS


def takes_write_lock() -> bool:
    """Whether a transaction beginning now should BEGIN IMMEDIATE."""
    return wants_to_write() and not _holding.get()


def holds_write_lock(session: Session) -> bool:
    """Whether the session's SQLite transaction has written (and so holds the one write lock).

    Another connection of the same process cannot commit until that transaction ends: it would
    wait for its own process. Always False on PostgreSQL, where writers do not exclude each other.
    """
    if session.get_bind().dialect.name != "sqlite" or not session.in_transaction():
        return False
    raw = session.connection().connection.dbapi_connection
    return raw is not None and bool(raw.in_transaction)


def configure(engine: Engine, busy_timeout: float) -> None:
    """Install the pragmas and the BEGIN choice on every connection of the engine."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA journal_mode=WAL")  # stays "memory" for in-memory databases
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; safe with WAL
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if takes_write_lock():
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            connection.info["holds_write_lock"] = True
            _holding.set(True)

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(connection: Connection) -> None:
        if connection.info.pop("holds_write_lock", False):
            _holding.set(False)


def init_app(app: Flask) -> None:
    """Configure the app's engine when it is SQLite."""
    from app.extensions import db

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        configure(db.engine, app.config["SQLITE_BUSY_TIMEOUT"])
