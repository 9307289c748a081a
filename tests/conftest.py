"""Shared fixtures: one app and schema per session (built by the migrations), rows wiped per test.

TEST_DATABASE_URL selects the database (PostgreSQL in CI); by default a SQLite file in a
temporary directory. The schema is dropped and rebuilt at the start of every run.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from werkzeug.security import generate_password_hash

from app import clock, create_app, taxonomy
from app.config import ROOT, TestConfig
from app.extensions import db, limiter
from app.models import (
    Capability,
    ListingStatus,
    Organization,
    OrgStatus,
    ReferenceCase,
    Role,
    Scenario,
    User,
)
from app.models.base import utcnow
from app.recommendations.live import live
from app.search import services as search
from app.security import sessions

PASSWORD = "Passw0rd-test"
# Redis for the tests of the real queue and the shared page cache (database 15, emptied)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# A cheap hash keeps fixtures fast; production uses werkzeug's default (scrypt).
PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
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


@pytest.fixture(autouse=True)
def _app_context(app: Flask) -> Iterator[None]:
    """Each test runs in an app context and leaves no rows behind (taxonomy is kept)."""
    with app.app_context():
        yield
        db.session.rollback()
        empty_audit_trail()
        tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in KEPT_TABLES]
        for table in tables:
            db.session.execute(table.delete())
        db.session.commit()
        db.session.remove()
        live(app).reset()  # the rows its indexes held are gone
        limiter.reset()  # rate limits and failure counters start afresh for each test


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
def client(app: Flask) -> FlaskClient:
    """A browser-less client."""
    return app.test_client()


_seq = itertools.count(1)


def valid_uscc(seed: int) -> str:
    """A fictional USCC with a correct check character."""
    from app.validators import uscc_check_char

    body = f"91370100{seed:09d}"
    return body + uscc_check_char(body)


def make_org(role: Role, status: OrgStatus = OrgStatus.APPROVED, **fields: Any) -> Organization:
    """An organisation (approved unless told)."""
    n = next(_seq)
    values: dict[str, Any] = {
        "name": f"测试单位{n}",
        "role": role,
        "kind": "民营企业" if role is Role.FIRM else "政府部门",
        "uscc": valid_uscc(n) if role is Role.FIRM else None,
        "district": "历下区",
        "is_local": True,
        "contact_name": "张三",
        "contact_phone": "13905310000",
        "status": status,
    }
    values.update(fields)
    org = Organization(**values)
    db.session.add(org)
    db.session.commit()
    return org


def make_user(org: Organization | None, role: Role | None = None, **fields: Any) -> User:
    """A user of an organisation, or an administrator when org is None."""
    n = next(_seq)
    user = User(
        email=fields.pop("email", f"user{n}@example.com"),
        name=fields.pop("name", f"用户{n}"),
        role=role or (org.role if org else Role.REVIEWER),
        organization=org,
        password_hash=PASSWORD_HASH,
        **fields,
    )
    db.session.add(user)
    db.session.commit()
    return user


def make_scenario(
    org: Organization, status: ListingStatus = ListingStatus.PUBLISHED, **fields: Any
) -> Scenario:
    """A scenario (published unless told)."""
    values: dict[str, Any] = {
        "title": "城市道路病害智能巡检",
        "domain": "智慧交通",
        "district": "历城区",
        "description": "市政道路坑槽、裂缝和井盖破损主要靠人工巡查，发现晚、记录不全，希望巡查车辆自动识别道路病害并形成台账。",
        "needs": "车载视频采集，人工智能识别路面病害，定位到北斗坐标，对接数字城管平台。",
        "expected": "病害发现时间缩短一半。",
        "budget_wan": Decimal("200"),
        "opening_method": "揭榜挂帅",
        "deadline": clock.today() + timedelta(days=60),
        "contact_name": "李科长",
        "contact_phone": "13805310001",
        "status": status,
    }
    tags = fields.pop("tags", ["人工智能", "物联网"])
    values.update(fields)
    if status is ListingStatus.PUBLISHED:
        values.setdefault("published_at", utcnow())
    scenario = Scenario(organization=org, tags=taxonomy.terms("tag", tags), **values)
    db.session.add(scenario)
    _publish(scenario)
    return scenario


def _publish(listing: Scenario | Capability) -> None:
    """Commit a new listing; a published one gets its search words, as approval gives them."""
    db.session.flush()
    if listing.status is ListingStatus.PUBLISHED:
        search.index_listing(listing)
    db.session.commit()


def make_capability(
    org: Organization, status: ListingStatus = ListingStatus.PUBLISHED, **fields: Any
) -> Capability:
    """A capability (published unless told)."""
    values: dict[str, Any] = {
        "title": "道路病害智能识别系统",
        "cap_type": "产品",
        "maturity": "规模应用",
        "description": "基于车载摄像头和人工智能视觉算法，自动识别坑槽、裂缝、井盖破损等道路病害，北斗定位生成病害台账，对接数字城管平台派单。",
        "keywords": "道路病害、坑槽识别、井盖、巡检",
        "qualifications": "ISO 9001",
        "status": status,
    }
    domains = fields.pop("domains", ["智慧交通", "城市治理"])
    tags = fields.pop("tags", ["人工智能", "北斗/空天信息"])
    values.update(fields)
    if status is ListingStatus.PUBLISHED:
        values.setdefault("published_at", utcnow())
    capability = Capability(
        organization=org,
        domains=taxonomy.terms("domain", domains),
        tags=taxonomy.terms("tag", tags),
        cases=[ReferenceCase(client="某区城管局", year=2024, result="发现病害1200处")],
        **values,
    )
    db.session.add(capability)
    _publish(capability)
    return capability


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
def admin() -> User:
    """A 平台审核员 (reviews and publishes)."""
    return make_user(None, Role.REVIEWER)


@pytest.fixture
def auditor() -> User:
    """A 审计管理员 (reads and exports the audit trail, nothing else)."""
    return make_user(None, Role.AUDITOR)


@pytest.fixture
def sysadmin() -> User:
    """A 系统管理员 (accounts, engine settings, jobs)."""
    return make_user(None, Role.SYSADMIN)


@pytest.fixture
def publisher() -> User:
    """A user of an approved publisher."""
    return make_user(make_org(Role.PUBLISHER))


@pytest.fixture
def firm() -> User:
    """A user of an approved firm."""
    return make_user(make_org(Role.FIRM))


@pytest.fixture
def other_firm() -> User:
    """A user of a second approved firm."""
    return make_user(make_org(Role.FIRM))


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
