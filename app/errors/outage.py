"""Which database errors mean "the database is unavailable" (a 503 page), not a bug (a 500).

Unavailable: the server cannot be reached or dropped the connection (PostgreSQL restarting,
a network cut), the connection pool is exhausted, the database refuses writes (a standby,
`default_transaction_read_only`, a read-only SQLite file or file system), SQLite's write lock
was not free within the busy timeout, or the schema is missing (an empty or unmigrated
database). Everything else (a constraint violated, a wrong query) is a bug: the usual 500.
"""

from __future__ import annotations

import sqlalchemy.exc as sa_exc

READ_ONLY_SQL_TRANSACTION = "25006"  # PostgreSQL: a standby, or a read-only default
UNDEFINED_TABLE = "42P01"  # PostgreSQL: no such table (empty or unmigrated database)


def _sqlstate(error: sa_exc.DBAPIError) -> str | None:
    return getattr(error.orig, "sqlstate", None)


def unavailable_reason(error: BaseException) -> str | None:
    """A short reason when the error is the database being unavailable, else None."""
    if isinstance(error, sa_exc.TimeoutError):
        return "connection pool exhausted"
    if not isinstance(error, sa_exc.DBAPIError):
        return None
    message = str(error.orig).lower()
    if _sqlstate(error) == READ_ONLY_SQL_TRANSACTION or "readonly database" in message:
        return "read-only"
    if _sqlstate(error) == UNDEFINED_TABLE or "no such table" in message:
        return "schema missing (run flask db upgrade)"
    if "database is locked" in message:
        return "locked (the busy timeout passed)"
    if error.connection_invalidated:
        return "connection lost"
    if isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
        return "unavailable"
    return None


def summary(error: BaseException) -> str:
    """The driver's error in one line, for the log (never the SQL or its parameters)."""
    original = getattr(error, "orig", None) or error
    first = str(original).strip().splitlines()[0] if str(original).strip() else ""
    return f"{type(original).__module__}.{type(original).__name__}: {first}"
