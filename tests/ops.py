"""Scratch databases and apps for the operations tests (outages, backups, metrics).

These tests point apps at databases of their own (an empty file, a read-only one, a database
they wipe and restore), never at the suite's schema, except where they only read it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy.pool import NullPool

from app import create_app, taxonomy
from app.config import ROOT, TestConfig
from app.extensions import db

MIGRATIONS = str(ROOT / "migrations")
CLOSED_PORT_URL = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"  # nothing listens on 1
TEST_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRES = TEST_URL.startswith("postgresql")
needs_postgres = pytest.mark.skipif(not ON_POSTGRES, reason="TEST_DATABASE_URL is not PostgreSQL")


def build(url: str, **overrides: Any) -> Flask:
    """An app on `url` (CSRF off, as the suite's); dispose it with `close`."""
    return create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False, **overrides)


def close(application: Flask) -> None:
    """Close the app's pooled connections."""
    with application.app_context():
        db.engine.dispose()


@contextmanager
def running(url: str, **overrides: Any) -> Iterator[Flask]:
    """An app on `url` for the length of the block."""
    application = build(url, **overrides)
    try:
        yield application
    finally:
        close(application)


def migrate(url: str, revision: str = "head") -> None:
    """Build the schema with the migrations and load the taxonomy (as `make run` does)."""
    with running(url) as application, application.app_context():
        upgrade(directory=MIGRATIONS, revision=revision)
        if revision == "head":
            taxonomy.load_taxonomy(ROOT / "seed" / "taxonomy.json")
            db.session.commit()
        db.session.remove()


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


def copy_sqlite(template: Path, target: Path) -> Path:
    """A fresh copy of a migrated SQLite file (faster than migrating again)."""
    shutil.copyfile(template, target)
    return target


@contextmanager
def scratch_postgres(suffix: str) -> Iterator[str]:
    """A PostgreSQL database of its own beside the suite's (<test database>_<suffix>)."""
    base = sa.engine.make_url(TEST_URL)
    name = f"{base.database}_{suffix}"
    server = sa.create_engine(
        base.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )

    def drop() -> None:
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    try:
        drop()
        with server.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield base.set(database=name).render_as_string(hide_password=False)
        drop()
    finally:
        server.dispose()


def row_counts(url: str) -> dict[str, int]:
    """Every table's row count, read directly."""
    from app.ops.backup import inventory

    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return inventory(connection)[1]
    finally:
        engine.dispose()


def wipe(url: str) -> None:
    """Drop everything: every table (SQLite) or the public schema (PostgreSQL)."""
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("DROP SCHEMA public CASCADE")
                connection.exec_driver_sql("CREATE SCHEMA public")
            else:  # a plain engine: foreign keys are not enforced, any order will do
                inspector = sa.inspect(connection)
                for name in inspector.get_view_names():
                    connection.exec_driver_sql(f'DROP VIEW "{name}"')
                for name in inspector.get_table_names():  # an FTS5 table takes its shadow tables
                    connection.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}"')
    finally:
        engine.dispose()
