"""Shared fixtures: one app and schema per session (built by the migrations); each test that uses
the database (the `database` fixture, applied to whole directories by their conftest) runs in a
transaction rolled back at its end (tests/isolation.py), or, marked `commits`, commits for real
and has its rows wiped afterwards.

TEST_DATABASE_URL selects the database (PostgreSQL in CI); by default a SQLite file in a
temporary directory. The schema is dropped and rebuilt at the start of every run.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from app import clock, create_app, taxonomy
from app.config import ROOT, TestConfig
from app.extensions import db, limiter
from app.models import Role, User
from app.recommendations.live import live
from app.security import sessions
from tests import factories
from tests.factories import (  # noqa: F401 - re-exported: tests still import them from here
    PASSWORD,
    PASSWORD_HASH,
    landed,
    make_batch,
    make_capability,
    make_engagement,
    make_org,
    make_scenario,
    make_user,
    valid_uscc,
)
from tests.isolation import SharedEngine

COMMITS_REASON = (
    "commits: the test commits for real and its rows are wiped afterwards, instead of running "
    "in a transaction rolled back at its end. For tests whose work must be visible to other "
    "connections, processes or threads, or that need the database's real transactions: other "
    "apps on the database (fresh_app implies it, the matching service, two machines), threads, the Redis "
    "queue with a real worker, backup and restore, concurrent writers on PostgreSQL, the "
    "transaction-id change feeds read in snapshots, and the audit trail's append-only triggers."
)


def pytest_configure(config: pytest.Config) -> None:
    """Register the `commits` marker (see COMMITS_REASON)."""
    config.addinivalue_line("markers", COMMITS_REASON)


# Redis for the tests of the real queue and the shared page cache (database 15, emptied)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# listing_counts is kept by triggers: deleting the listings brings it back to zero
# audit_events is append-only (its triggers refuse the DELETE): emptied by empty_audit_trail()
KEPT_TABLES = {"taxonomy_terms", "alembic_version", "listing_counts", "audit_events"}


def database_url(tmp_dir: Path) -> str:
    """PostgreSQL when TEST_DATABASE_URL is set, else a fresh SQLite file."""
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_dir / 'test.db'}"


def reset_schema(url: str) -> None:
    """Start every run from an empty database (PostgreSQL keeps tables between runs)."""
    if not url.startswith("postgresql"):
        return
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


class RequestIsolatingClient(FlaskClient):
    """Each request runs in its own app context (fresh `g` and session), as in production.

    Without this, requests would reuse the test's app context and share its cached user
    and identity map, hiding bugs that real requests would meet.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        """Run the request in a fresh app context, then let the test re-read the database."""
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The application on a database built by `flask db upgrade`, with the taxonomy loaded."""
    url = database_url(tmp_path_factory.mktemp("db"))
    reset_schema(url)
    application = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False)
    application.test_client_class = RequestIsolatingClient
    with application.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        taxonomy.load_taxonomy(ROOT / "seed" / "taxonomy.json")
        db.session.commit()
    yield application
    dispose(application)


def dispose(application: Flask) -> None:
    """Close an app's pooled connections (PostgreSQL warns about connections left open)."""
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def fresh_app(app: Flask) -> Iterator[Callable[..., Flask]]:
    """Build extra apps on the suite's database (for route probes, CSRF on …); closed after."""
    created: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        application = create_app(
            TestConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], **overrides
        )
        created.append(application)
        return application

    yield build
    for application in created:
        with application.app_context():
            borrowed = db.engine.pool.checkedout()
        dispose(application)
        if borrowed:  # the suite's own session used this app's engine (see below), or a thread
            pytest.fail(
                "a connection of an extra app is still checked out: read fixtures' attributes "
                "before entering another app's context (its session would borrow that app's "
                "engine), and let its threads finish",
                pytrace=False,
            )


@pytest.fixture(scope="session")
def shared_engine(app: Flask) -> Iterator[SharedEngine]:
    """The engine of rollback tests: one connection, transactions as savepoints."""
    shared = SharedEngine(app.config["SQLALCHEMY_DATABASE_URI"])
    yield shared
    shared.close()


@pytest.fixture
def database(request: pytest.FixtureRequest, app: Flask) -> Iterator[None]:
    """The test runs in an app context on the suite's database and leaves no rows behind:
    rolled back, or wiped when marked `commits` or using `fresh_app` (whose apps have engines
    of their own), taxonomy kept either way."""
    if request.node.get_closest_marker("commits") or "fresh_app" in request.fixturenames:
        yield from committed(app)
    else:
        yield from rolled_back(app, request.getfixturevalue("shared_engine"))
    live(app).reset()  # the rows its indexes held are gone
    limiter.reset()  # rate limits and failure counters start afresh for each test


def rolled_back(app: Flask, shared: SharedEngine) -> Iterator[None]:
    """Run the test on the shared engine inside one transaction, then roll it back."""
    engines = db._app_engines[app]  # noqa: SLF001 - the one place a test swaps the engine
    real, engines[None] = engines[None], shared.engine
    # threads cannot share the one connection: the dashboard is built serially here (its
    # concurrent build is tested, `commits`, in test_dashboard)
    workers, app.config["DASHBOARD_WORKERS"] = app.config["DASHBOARD_WORKERS"], 1
    forget_matcher_unless(app, shared.engine)
    shared.begin()
    try:
        with app.app_context():
            yield
            db.session.rollback()
            check_releases()
            db.session.remove()
    finally:
        shared.rollback()
        engines[None] = real
        app.config["DASHBOARD_WORKERS"] = workers


def committed(app: Flask) -> Iterator[None]:
    """Run the test on the real engine, then delete every row it left."""
    with app.app_context():
        forget_matcher_unless(app, db.engine)
        yield
        db.session.rollback()
        check_releases()
        empty_audit_trail()
        tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in KEPT_TABLES]
        for table in tables:
            db.session.execute(table.delete())
        db.session.commit()
        db.session.remove()


def forget_matcher_unless(app: Flask, engine: sa.Engine) -> None:
    """The in-process matcher keeps the engine it was made with: drop one made on the other."""
    state = app.extensions.get("matching")
    matcher = state.serving_matcher() if state is not None else None
    if matcher is not None and matcher._db is not engine:  # noqa: SLF001
        del app.extensions["matching"]


def check_releases() -> None:
    """Every open-data release a test made is valid against the published schema (the
    contract of docs/open-data/, checked on whatever the application produced)."""
    from app.models import ListingRelease
    from app.open_data.schema import problems

    for release in db.session.scalars(sa.select(ListingRelease.release)):
        found = problems(release)
        if found:
            pytest.fail(f"release {release.get('id')} breaks the schema: {found}", pytrace=False)


def empty_audit_trail() -> None:
    """Delete every audit record (the per-test cleanup)."""
    past_audit_triggers("DELETE FROM audit_events")


def past_audit_triggers(statement: str, **params: Any) -> None:
    """Run and commit one statement on audit_events past its append-only triggers, as someone
    with the database's owner rights could; the triggers stay in force for everything else.

    PostgreSQL: triggers are off for this one transaction (replica role; the tests connect as
    a superuser). SQLite: the triggers are dropped and created again from their own SQL in
    the same transaction.
    """
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
        db.session.execute(sa.text(statement), params)
    else:
        triggers = db.session.execute(
            sa.text(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type = 'trigger' AND tbl_name = 'audit_events'"
            )
        ).all()
        for name, _sql in triggers:
            db.session.execute(sa.text(f'DROP TRIGGER "{name}"'))
        db.session.execute(sa.text(statement), params)
        for _name, sql in triggers:
            db.session.execute(sa.text(sql))
    db.session.commit()


@pytest.fixture
def client(app: Flask, database: None) -> FlaskClient:
    """A browser-less client."""
    return app.test_client()


def login(client: FlaskClient, user: User | None) -> FlaskClient:
    """Sign the client in as the user (or out, for None) without going through the form.

    Like sign-in, it stores a server-side session record and puts its token in the cookie.
    """
    token = None
    if user is not None:
        token = sessions.create_record(user, address="127.0.0.1", user_agent="test client")
        db.session.commit()
    with client.session_transaction() as session:
        session.clear()
        if user is not None:
            session[sessions.TOKEN_KEY] = token
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
    return client


@pytest.fixture
def admin(database: None) -> User:
    """A 平台审核员 (reviews and publishes)."""
    return make_user(None, Role.REVIEWER)


@pytest.fixture
def auditor(database: None) -> User:
    """A 审计管理员 (reads and exports the audit trail, nothing else)."""
    return make_user(None, Role.AUDITOR)


@pytest.fixture
def sysadmin(database: None) -> User:
    """A 系统管理员 (accounts, engine settings, jobs)."""
    return make_user(None, Role.SYSADMIN)


@pytest.fixture
def publisher(database: None) -> User:
    """A user of an approved publisher."""
    return make_user(make_org(Role.PUBLISHER))


@pytest.fixture
def firm(database: None) -> User:
    """A user of an approved firm."""
    return make_user(make_org(Role.FIRM))


@pytest.fixture
def other_firm(database: None) -> User:
    """A user of a second approved firm."""
    return make_user(make_org(Role.FIRM))


def factory_fixture(factory: Callable[..., Any]) -> Any:
    """A fixture handing out one factory of tests/factories.py, the database ready for it."""

    @pytest.fixture(name=factory.__name__)
    def fixture(database: None) -> Callable[..., Any]:
        return factory

    fixture.__doc__ = f"tests.factories.{factory.__name__}: {factory.__doc__}"
    return fixture


# make_org, make_user, make_scenario, … as fixtures of the same names
for _factory in (
    factories.make_org,
    factories.make_user,
    factories.make_scenario,
    factories.make_capability,
    factories.make_engagement,
    factories.make_batch,
    factories.landed,
):
    globals()[f"_{_factory.__name__}_fixture"] = factory_fixture(_factory)


# A Tuesday in mid-March at 10:00 in Beijing: far from a midnight (in China and in UTC), a week's,
# a month's and a year's end, so "today", deadlines, digests and batch dates hold still in a test.
FROZEN_DAY = date(2026, 3, 10)
FROZEN_AT = datetime(2026, 3, 10, 10, 0, tzinfo=clock.CHINA)


@pytest.fixture
def frozen_clock() -> Iterator[date]:
    """The clock at FROZEN_AT (ticking, so sessions and timeouts still work); yields the day."""
    with time_machine.travel(FROZEN_AT, tick=True):
        yield FROZEN_DAY


@pytest.fixture
def redis() -> Iterator[Redis]:
    """An empty Redis database; skipped without Redis unless REQUIRE_REDIS=1 (CI)."""
    client = Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except RedisConnectionError:
        message = f"Redis not reachable at {REDIS_URL}"
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"REQUIRE_REDIS=1 but {message}", pytrace=False)
        pytest.skip(message)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()
