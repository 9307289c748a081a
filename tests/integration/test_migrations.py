"""The schema is built by the migrations alone, matches the models, and can be taken down."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade

from app.config import ROOT
from app.extensions import db

MIGRATIONS = str(ROOT / "migrations")


def test_the_migrated_schema_equals_the_models(app: Flask) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        assert compare_metadata(context, db.metadata) == []


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
