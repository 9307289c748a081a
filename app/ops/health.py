"""Liveness and readiness: what a load balancer or a deploy script asks a web process.

/healthz says the process answers (no database call: a database outage must not make every
web worker look dead and get restarted). /readyz says whether this process can serve: the
database answers and accepts writes, its schema is at the code's migration head, and Redis
and the matching process answer where they are configured. Each check has a short timeout.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import httpx
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy.engine import Connection, Engine

from app.config import ROOT
from app.errors import outage

logger = logging.getLogger(__name__)

CHECK_TIMEOUT = 2.0  # seconds one check may take
MIGRATIONS = ROOT / "migrations"


@dataclass(frozen=True)
class Check:
    """The outcome of one check: ok, fail or skipped (not configured), and a short detail."""

    status: str
    detail: str = ""
    extra: dict[str, object] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        """The check as it appears in the JSON document (the error text is for the log only)."""
        body: dict[str, object] = {"status": self.status}
        if self.detail:
            body["detail"] = self.detail
        return body | {key: value for key, value in self.extra.items() if key != "error"}


@dataclass(frozen=True)
class Report:
    """Every check by name; ok when none failed."""

    checks: dict[str, Check]

    @property
    def ok(self) -> bool:
        """No check failed (skipped ones do not count)."""
        return all(check.status != "fail" for check in self.checks.values())

    def as_json(self) -> dict[str, object]:
        """{"status": "ok"|"fail", "checks": {...}}."""
        return {
            "status": "ok" if self.ok else "fail",
            "checks": {name: check.as_json() for name, check in self.checks.items()},
        }


def liveness() -> Report:
    """The process answers; nothing else is asked."""
    return Report({"process": Check("ok")})


def readiness(app: Flask) -> Report:
    """Database, migrations, Redis and the matching process, each within CHECK_TIMEOUT."""
    from app.extensions import db

    checks = dict(_database_checks(db.engine))
    checks["redis"] = _timed(lambda: _redis(app.config["REDIS_URL"]))
    checks["matching"] = _timed(lambda: _matching(app.config.get("MATCHING_URL") or ""))
    for name, check in checks.items():
        if check.status == "fail":
            logger.warning("readiness: %s failed: %s", name, check.extra.get("error", check.detail))
    return Report(checks)


def _timed(run: Callable[[], Check]) -> Check:
    """Run a check, adding how long it took."""
    started = time.perf_counter()
    check = run()
    elapsed = round((time.perf_counter() - started) * 1000, 1)
    return Check(check.status, check.detail, {**check.extra, "ms": elapsed})


# --- database and migrations ------------------------------------------------------------


@cache
def code_revisions(directory: str = str(MIGRATIONS)) -> tuple[frozenset[str], frozenset[str]]:
    """(heads, every revision) of the code's migrations: read once per process."""
    script = ScriptDirectory(directory)
    known = frozenset(revision.revision for revision in script.walk_revisions())
    return frozenset(script.get_heads()), known


def _database_checks(engine: Engine) -> list[tuple[str, Check]]:
    """The database answers (and accepts writes), and its schema is at the code's head."""
    started = time.perf_counter()
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                timeout_ms = int(CHECK_TIMEOUT * 1000)
                connection.exec_driver_sql(f"SET LOCAL statement_timeout = {timeout_ms}")
            connection.execute(sa.text("SELECT 1"))
            writable = _writable(connection, engine)
            revisions = _database_revisions(connection)
    except sa.exc.SQLAlchemyError as error:
        failed = Check(
            "fail", outage.unavailable_reason(error) or "error", {"error": outage.summary(error)}
        )
        return [("database", failed), ("migrations", Check("skipped", "no database"))]
    elapsed: dict[str, object] = {"ms": round((time.perf_counter() - started) * 1000, 1)}
    database = Check("ok", "", elapsed) if writable else Check("fail", "read-only", elapsed)
    return [("database", database), ("migrations", _migrations(revisions))]


def _writable(connection: Connection, engine: Engine) -> bool:
    """Whether the database accepts writes (a standby or a read-only file does not)."""
    if connection.dialect.name == "postgresql":
        return (
            connection.scalar(sa.text("SELECT current_setting('transaction_read_only')")) == "off"
        )
    if connection.dialect.name == "sqlite":
        return _sqlite_writable(engine)
    return True


def _sqlite_writable(engine: Engine) -> bool:
    """Write the header's user_version back unchanged, then roll back; never wait for a lock.

    SQLite only says a file is read-only when something tries to write to it. A connection of
    its own with no busy timeout: when another process holds the write lock, the file is
    writable, and the check must not queue behind an import.
    """
    if engine.url.database in (None, "", ":memory:"):
        return True
    args, options = engine.dialect.create_connect_args(engine.url)
    # create_connect_args gives the driver's own arguments, which mypy cannot match to an overload
    probe = sqlite3.connect(*args, **{**options, "timeout": 0, "isolation_level": None})  # type: ignore[call-overload]
    try:
        version = int(probe.execute("PRAGMA user_version").fetchone()[0])
        probe.execute("BEGIN")
        try:
            probe.execute(f"PRAGMA user_version = {version}")
        finally:
            probe.execute("ROLLBACK")
    except sqlite3.OperationalError as error:
        if "readonly" in str(error):
            return False
        return "locked" in str(error) or "busy" in str(error)
    finally:
        probe.close()
    return True


def _database_revisions(connection: Connection) -> frozenset[str] | None:
    """The revisions recorded in alembic_version, or None when it does not exist."""
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    rows = connection.execute(sa.text("SELECT version_num FROM alembic_version"))
    return frozenset(row[0] for row in rows)


def _migrations(recorded: frozenset[str] | None) -> Check:
    """At head: ok. Behind: fail. Ahead of this code: ok, noted (a rolling upgrade).

    During an upgrade the migrations run first and the machines restart one after another, so
    the old code meets the new schema for a while (migrations are written to allow that);
    failing then would take every not-yet-restarted machine out of the load balancer at once.
    """
    heads, known = code_revisions()
    if not recorded:
        return Check("fail", "not migrated (run flask db upgrade)")
    extra: dict[str, object] = {"revision": ",".join(sorted(recorded))}
    if recorded == heads:
        return Check("ok", "", extra)
    if recorded <= known:
        extra["expected"] = ",".join(sorted(heads))
        return Check("fail", "behind the code (run flask db upgrade)", extra)
    return Check("ok", "ahead of this code (upgrade in progress?)", extra)


# --- Redis and the matching process -----------------------------------------------------


def _redis(url: str) -> Check:
    """Redis answers PING (only where REDIS_URL is set)."""
    if not url:
        return Check("skipped", "REDIS_URL not set")
    from redis import Redis
    from redis.exceptions import RedisError

    client = Redis.from_url(url, socket_connect_timeout=CHECK_TIMEOUT, socket_timeout=CHECK_TIMEOUT)
    try:
        client.ping()
    except RedisError as error:
        return Check("fail", "unreachable", {"error": f"{type(error).__name__}: {error}"})
    finally:
        client.close()
    return Check("ok")


def _matching(url: str) -> Check:
    """The machine's matching process says it is ready (only where MATCHING_URL is set)."""
    if not url:
        return Check("skipped", "MATCHING_URL not set")
    try:
        response = httpx.get(f"{url.rstrip('/')}/readyz", timeout=CHECK_TIMEOUT)
    except httpx.HTTPError as error:
        return Check("fail", "unreachable", {"error": f"{type(error).__name__}: {error}"})
    if response.status_code != 200:
        return Check("fail", f"not ready (answered {response.status_code})")
    return Check("ok")
