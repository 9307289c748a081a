"""The schema is built by the migrations alone, matches the models, and can be taken down."""

from __future__ import annotations

import warnings

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy.exc import SAWarning

from app.config import ROOT
from app.extensions import db
from app.models.search import DATABASE_ONLY, EXPRESSION_INDEXES, include_object

MIGRATIONS = str(ROOT / "migrations")


def test_the_migrated_schema_equals_the_models(app: Flask) -> None:
    with db.engine.connect() as connection, warnings.catch_warnings():
        # SQLite cannot reflect an index on an expression, so SQLAlchemy and Alembic skip it
        # there, with a warning each (PostgreSQL compares it; the next test checks it exists)
        warnings.filterwarnings(
            "ignore", "Skipped unsupported reflection of expression-based index", SAWarning
        )
        warnings.filterwarnings(
            "ignore", "autogenerate skipping metadata-specified expression-based index", UserWarning
        )
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "render_as_batch": True, "include_object": include_object},
        )
        assert compare_metadata(context, db.metadata) == []


def test_the_search_objects_of_this_database_exist_and_no_others(app: Flask) -> None:
    # the comparison above leaves them out (the models cannot declare them): check by name
    inspector = db.inspect(db.engine)
    tables = set(inspector.get_table_names())
    columns = {f"search_documents.{c['name']}" for c in inspector.get_columns("search_documents")}
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "postgresql":
            indexes = {i["name"] for i in inspector.get_indexes("search_documents")}
            triggers = set(connection.scalars(sa.text("SELECT tgname FROM pg_trigger")))
            assert columns >= DATABASE_ONLY["column"]
            assert indexes >= DATABASE_ONLY["index"]
            assert not tables & DATABASE_ONLY["table"]
            assert {"scenarios_unlisted", "capabilities_counted_update"} <= triggers
        else:
            rows = connection.execute(sa.text("SELECT type, name FROM sqlite_master")).all()
            indexes = {name for kind, name in rows if kind == "index"}
            triggers = {name for kind, name in rows if kind == "trigger"}
            assert tables >= DATABASE_ONLY["table"]
            assert indexes >= EXPRESSION_INDEXES
            assert {"search_content_scenario", "search_content_capability"} <= {
                name for kind, name in rows if kind == "view"
            }
            assert {"search_documents_ai", "search_documents_ad", "search_documents_au"} <= triggers
            assert {"scenarios_status_changed", "capabilities_deleted"} <= triggers
            assert not columns & DATABASE_ONLY["column"]


def test_downgrade_to_base_and_upgrade_again(app: Flask, tmp_path) -> None:
    from app import create_app
    from app.config import TestConfig

    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    scratch = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with scratch.app_context():
        upgrade(directory=MIGRATIONS)
        downgrade(directory=MIGRATIONS, revision="base")
        assert db.inspect(db.engine).get_table_names() == ["alembic_version"]
        upgrade(directory=MIGRATIONS)
        assert "recommendations" in db.inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_separating_the_duties_keeps_every_row_and_makes_administrators_reviewers(
    app: Flask, tmp_path
) -> None:
    """On SQLite the migration rebuilds organizations and users: no child row may go with them."""
    from app import create_app
    from app.config import TestConfig

    url = f"sqlite:///{tmp_path / 'duties.db'}"
    scratch = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with scratch.app_context():
        upgrade(directory=MIGRATIONS, revision="58422a23da75")
        with db.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO organizations (id, name, role, kind, district, is_local, intro, "
                "contact_name, contact_phone, contact_email, status, review_note, created_at, "
                "updated_at) VALUES (1, '某局', 'publisher', '政府部门', '历下区', 1, '', '', '', "
                "'', 'approved', '', '2026-01-01', '2026-01-01')"
            )
            conn.exec_driver_sql(
                "INSERT INTO users (email, name, password_hash, role, organization_id, active, "
                "created_at, updated_at) VALUES ('a@example.com', '管理员', '-', 'admin', NULL, 1, "
                "'2026-01-01', '2026-01-01'), ('p@example.com', '发布', '-', 'publisher', 1, 1, "
                "'2026-01-01', '2026-01-01')"
            )
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as conn:
            roles = dict(conn.exec_driver_sql("SELECT email, role FROM users").fetchall())
            granted = conn.exec_driver_sql(
                "SELECT role_granted_at FROM users WHERE email = 'a@example.com'"
            ).scalar()
            organizations = conn.exec_driver_sql("SELECT count(*) FROM organizations").scalar()
        assert roles == {"a@example.com": "reviewer", "p@example.com": "publisher"}
        assert granted is not None
        assert organizations == 1
        downgrade(directory=MIGRATIONS, revision="58422a23da75")
        with db.engine.connect() as conn:
            roles = dict(conn.exec_driver_sql("SELECT email, role FROM users").fetchall())
        assert roles == {"a@example.com": "admin", "p@example.com": "publisher"}
        db.engine.dispose()
