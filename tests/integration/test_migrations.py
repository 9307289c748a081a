"""The schema is built by the migrations alone, matches the models, and can be taken down."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade

from app.config import ROOT
from app.extensions import db
from app.models.search import DATABASE_ONLY, include_object

MIGRATIONS = str(ROOT / "migrations")


def test_the_migrated_schema_equals_the_models(app: Flask) -> None:
    with db.engine.connect() as connection:
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
    indexes = {i["name"] for i in inspector.get_indexes("search_documents")}
    if db.engine.dialect.name == "postgresql":
        assert columns >= DATABASE_ONLY["column"]
        assert indexes >= DATABASE_ONLY["index"]
        assert not tables & DATABASE_ONLY["table"]
    else:
        assert tables >= DATABASE_ONLY["table"]
        assert {"search_content_scenario", "search_content_capability"} <= set(
            inspector.get_view_names()
        )
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
