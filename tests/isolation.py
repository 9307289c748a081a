"""Rollback isolation: every connection of a test shares one database connection, and every
transaction the code begins is a SAVEPOINT inside one outer transaction that is rolled back at
the test's end (the indico pattern, at the engine level).

The engine level, not only the session: besides `db.session` (one per app context, and the test
client opens a context per request), the code opens sessions of its own with `Session(db.engine)`
(jobs, the matcher, the open-data feed …). So for a rollback test `db.engine` is a test engine
whose pool hands out one connection (StaticPool) and whose dialect turns BEGIN / COMMIT /
ROLLBACK into SAVEPOINT / RELEASE / ROLLBACK TO. The driver runs in autocommit mode, so the
outer BEGIN and every savepoint are the test's own statements (pysqlite would otherwise begin
and commit on its own: SQLAlchemy's pysqlite "Serializable isolation / Savepoints" recipe).
Production engines are untouched: the test engine exists only in the tests.
"""

from __future__ import annotations

import itertools
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import StaticPool


class Savepoints:
    """The savepoints standing for the transactions of the connections sharing one connection."""

    def __init__(self) -> None:
        self.open: list[str] = []
        self.owners: dict[int, str] = {}
        self.names = itertools.count(1)

    def begin(self, connection: Any) -> None:
        """A transaction begins: a savepoint of its own."""
        name = f"test_tx_{next(self.names)}"
        run(connection, f"SAVEPOINT {name}")
        self.owners[id(connection)] = name
        self.open.append(name)

    def commit(self, connection: Any) -> None:
        """A transaction commits: its savepoint is released into the enclosing one."""
        name = self._close(connection)
        if name:
            run(connection, f"RELEASE SAVEPOINT {name}")

    def rollback(self, connection: Any) -> None:
        """A transaction rolls back: back to its savepoint, which is then released."""
        name = self._close(connection)
        if name:
            run(connection, f"ROLLBACK TO SAVEPOINT {name}")
            run(connection, f"RELEASE SAVEPOINT {name}")

    def _close(self, connection: Any) -> str | None:
        # releasing a savepoint ends those opened after it too (out-of-order ends are rare:
        # a request's sessions end before the test's own session goes on)
        name = self.owners.pop(id(connection), None)
        if name not in self.open:
            return None
        del self.open[self.open.index(name) :]
        return name

    def clear(self) -> None:
        """The outer transaction ended: no savepoint is left."""
        self.open.clear()
        self.owners.clear()


def run(connection: Any, statement: str) -> None:
    """One statement on the driver's connection, outside SQLAlchemy's transaction bookkeeping."""
    cursor = connection.cursor()
    try:
        cursor.execute(statement)
    finally:
        cursor.close()


class SharedEngine:
    """A test engine on the suite's database with one shared connection, savepoints for
    transactions, and an outer transaction per test (begin / rollback)."""

    def __init__(self, url: str) -> None:
        sqlite = url.startswith("sqlite")
        self.engine = sa.create_engine(
            url,
            poolclass=StaticPool,
            pool_reset_on_return=None,
            connect_args={"check_same_thread": False} if sqlite else {},
        )
        sa.event.listen(self.engine, "connect", _sqlite_connect if sqlite else _driver_autocommit)
        with self.engine.connect():  # the dialect initialises on the first connection
            pass
        self.savepoints = Savepoints()
        self.raw = self.engine.raw_connection()
        self._take_over_transactions()

    def _take_over_transactions(self) -> None:
        """Transactions become savepoints; isolation and read-only settings cannot change
        inside the outer transaction and are left as they are (no test relies on them here)."""
        dialect = self.engine.dialect
        dialect.do_begin = self.savepoints.begin  # type: ignore[method-assign]
        dialect.do_commit = self.savepoints.commit  # type: ignore[method-assign]
        dialect.do_rollback = self.savepoints.rollback  # type: ignore[method-assign]
        for setting in ("set_isolation_level", "reset_isolation_level", "set_readonly"):
            if hasattr(dialect, setting):
                setattr(dialect, setting, _ignore)
        if hasattr(dialect, "set_deferrable"):
            dialect.set_deferrable = _ignore  # type: ignore[method-assign]
        # the code disposes of engines after forking; the shared connection must stay
        self.engine.dispose = _ignore  # type: ignore[method-assign]

    def begin(self) -> None:
        """Open the test's outer transaction (after ending one a failed test left open)."""
        self.savepoints.clear()
        if self._in_transaction():
            run(self.raw, "ROLLBACK")
        run(self.raw, "BEGIN")

    def _in_transaction(self) -> bool:
        connection = self.raw.dbapi_connection
        if self.engine.dialect.name == "sqlite":
            return bool(connection.in_transaction)
        from psycopg.pq import TransactionStatus

        return connection.info.transaction_status != TransactionStatus.IDLE

    def rollback(self) -> None:
        """Undo everything the test did."""
        run(self.raw, "ROLLBACK")
        self.savepoints.clear()

    def close(self) -> None:
        """Close the shared connection (end of the run)."""
        self.raw.close()
        sa.Engine.dispose(self.engine)


def _ignore(*_args: Any, **_kwargs: Any) -> None:
    return None


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # the driver must neither BEGIN nor COMMIT by itself; foreign keys as in production
    dbapi_connection.isolation_level = None
    run(dbapi_connection, "PRAGMA foreign_keys=ON")


def _driver_autocommit(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.autocommit = True
