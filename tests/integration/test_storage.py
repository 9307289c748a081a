"""Files every app machine reads: the store, two app instances on one database, the import
sweep, and the migration that moved the files from disk into the database."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import logging
import secrets
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app import create_app, storage, taxonomy
from app.config import ROOT, TestConfig
from app.engagements import services as engagements
from app.excel import services as imports
from app.excel import storage as pending
from app.extensions import db
from app.jobs import JobContext, enqueue, runner
from app.models import (
    Attachment,
    Engagement,
    ListingStatus,
    PendingImport,
    Role,
    Scenario,
    StoredFile,
    User,
)
from app.models.base import utcnow
from tests import files
from tests.conftest import RequestIsolatingClient, login
from tests.factories import make_org, make_scenario, make_user
from tests.integration.test_excel_import import scenario_row, token_of, workbook_bytes
from tests.integration.test_excel_import import upload as upload_spreadsheet

MIGRATIONS = ROOT / "migrations"
FILES_REVISION = "1449163877d5"
BEFORE_FILES = "b5872cf81a30"  # the revision before files moved into the database


def files_migration() -> ModuleType:
    """The migration that moved attachment files into the database, as a module."""
    [path] = (MIGRATIONS / "versions").glob(f"*_{FILES_REVISION}_*.py")
    spec = importlib.util.spec_from_file_location("files_in_the_database", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def stored_keys() -> list[str]:
    """The keys of every file in the store, sorted."""
    return sorted(db.session.scalars(sa.select(StoredFile.key)))


def post_file(
    client: FlaskClient, url: str, field: str, name: str, data: bytes, **form: Any
) -> Any:
    """A multipart POST of one file (and any other fields)."""
    # encoded here, in memory: the test client would spool a large body to a temporary file
    # it never closes (an unraisable ResourceWarning)
    upload = FileStorage(io.BytesIO(data), filename=name)
    boundary, body = encode_multipart({**form, field: upload})
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


# --- the store ------------------------------------------------------------------------------


def test_the_store_keeps_bytes_under_random_keys() -> None:
    data = bytes(range(256)) * 4  # every byte value: nothing is decoded or escaped on the way
    first, second = storage.put(data), storage.put(data)
    assert first.key != second.key
    assert storage.is_key(first.key)
    assert (first.size, first.sha256) == (1024, hashlib.sha256(data).hexdigest())
    db.session.commit()
    assert storage.read(first.key) == data
    storage.delete(first.key)
    db.session.commit()
    assert storage.read(first.key) is None
    assert storage.read(second.key) == data
    # a key the store never gives is not looked up, nor deleted
    assert storage.read(f"../{second.key}") is None
    storage.delete(f"{second.key}' OR '1'='1")
    assert stored_keys() == [second.key]


def test_stored_bytes_go_with_the_callers_transaction() -> None:
    kept = storage.put(b"kept")
    db.session.commit()
    dropped = storage.put(b"dropped")
    storage.delete(kept.key)
    db.session.rollback()
    assert storage.read(dropped.key) is None
    assert storage.read(kept.key) == b"kept"


def test_a_stored_row_is_loaded_without_its_bytes() -> None:
    key = storage.put(b"%PDF-1.4 large").key
    db.session.commit()
    row = db.session.get_one(StoredFile, key)
    assert "data" not in sa.inspect(row).dict  # deferred: listing rows costs no file reads
    assert row.size == len(b"%PDF-1.4 large")


def test_an_attachment_of_exactly_the_size_limit_is_stored_and_served_intact(
    client: FlaskClient, publisher: User
) -> None:
    limit = client.application.config["ATTACHMENT_MAX_BYTES"]
    data = files.pdf() + bytes(range(256)) * ((limit - len(files.pdf())) // 256)
    data += b"%" * (limit - len(data))
    draft = make_scenario(publisher.organization, ListingStatus.DRAFT)
    login(client, publisher)
    url = f"/my/scenarios/{draft.id}/attachments"
    assert post_file(client, url, "file", "大方案.pdf", data).status_code == 302
    item = db.session.scalars(sa.select(Attachment)).one()
    assert item.size == limit
    response = client.get(f"/attachments/{item.id}")
    assert response.data == data
    response.close()


# --- two app instances, one database ----------------------------------------------------------


@pytest.fixture
def machines(fresh_app: Callable[..., Flask], tmp_path: Path) -> tuple[Flask, Flask]:
    """Two app instances on the suite's database, each with an instance folder of its own."""
    built = []
    for name in ("machine-a", "machine-b"):
        application = fresh_app(WTF_CSRF_ENABLED=False)
        application.instance_path = str(tmp_path / name)
        (tmp_path / name).mkdir()
        application.test_client_class = RequestIsolatingClient
        built.append(application)
    return built[0], built[1]


def nothing_on_disk(root: Path) -> bool:
    """No file was written under root (the machines' instance folders)."""
    return not [path for path in root.rglob("*") if path.is_file()]


def test_an_attachment_uploaded_on_one_machine_is_downloaded_and_deleted_on_another(
    machines: tuple[Flask, Flask], publisher: User, tmp_path: Path
) -> None:
    a, b = machines
    draft = make_scenario(publisher.organization, ListingStatus.DRAFT)
    on_a, on_b = login(a.test_client(), publisher), login(b.test_client(), publisher)
    url = f"/my/scenarios/{draft.id}/attachments"
    assert post_file(on_a, url, "file", "建设方案.pdf", files.pdf()).status_code == 302
    item = db.session.scalars(sa.select(Attachment)).one().id
    response = on_b.get(f"/attachments/{item}")
    assert response.status_code == 200
    assert response.data == files.pdf()
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="attachment-{item}.pdf"; '
        "filename*=UTF-8''%E5%BB%BA%E8%AE%BE%E6%96%B9%E6%A1%88.pdf"
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()
    # access is checked the same on every machine
    login(on_b, make_user(make_org(Role.FIRM)))
    assert on_b.get(f"/attachments/{item}").status_code == 404
    # deleted on b: gone for a too, bytes and all
    login(on_b, publisher)
    assert on_b.post(f"/attachments/{item}/delete").status_code == 302
    assert on_a.get(f"/attachments/{item}").status_code == 404
    assert stored_keys() == []
    assert nothing_on_disk(tmp_path)


def test_an_application_attachment_uploaded_on_one_machine_is_read_on_another(
    machines: tuple[Flask, Flask], publisher: User, firm: User, tmp_path: Path
) -> None:
    a, b = machines
    scenario = make_scenario(publisher.organization)
    on_a = login(a.test_client(), firm)
    post_file(
        on_a,
        f"/scenarios/{scenario.id}/apply",
        "attachment",
        "解决方案.pptx",
        files.ooxml("pptx"),
        proposal="我们有成熟的解决方案和案例。",
    )
    engagement = db.session.scalars(sa.select(Engagement)).one()
    response = login(b.test_client(), publisher).get(f"/engagements/{engagement.id}/attachment")
    assert response.status_code == 200
    assert response.data == files.ooxml("pptx")
    assert response.headers["Cache-Control"] == "private, no-store"
    response.close()
    assert nothing_on_disk(tmp_path)


def test_an_import_previewed_on_one_machine_is_confirmed_on_another(
    machines: tuple[Flask, Flask], publisher: User, tmp_path: Path
) -> None:
    a, b = machines
    on_a, on_b = login(a.test_client(), publisher), login(b.test_client(), publisher)
    preview = upload_spreadsheet(
        on_a, workbook_bytes("scenario", [scenario_row(1), scenario_row(2)])
    )
    token = token_of(preview)
    assert "智慧停车诱导系统建设2" in on_b.get(f"/imports/{token}").get_data(as_text=True)
    # another user is refused on every machine
    stranger = login(b.test_client(), make_user(publisher.organization))
    assert stranger.get(f"/imports/{token}").status_code == 404
    assert stranger.post(f"/imports/{token}/confirm").status_code == 404
    status = on_b.post(f"/imports/{token}/confirm").headers["Location"]
    assert "已导入2条场景（草稿）" in on_a.get(status).get_data(as_text=True)  # either machine
    titles = db.session.scalars(sa.select(Scenario.title).order_by(Scenario.title)).all()
    assert titles == ["智慧停车诱导系统建设1", "智慧停车诱导系统建设2"]
    # consumed: the upload and its bytes are gone for both machines
    assert on_a.get(f"/imports/{token}").status_code == 404
    assert on_a.post(f"/imports/{token}/confirm").status_code == 404
    assert stored_keys() == []
    assert nothing_on_disk(tmp_path)


def test_import_progress_is_read_on_another_machine_while_the_import_runs(
    machines: tuple[Flask, Flask], publisher: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = machines
    on_a = login(a.test_client(), publisher)
    # a plain client: its requests run inside the import's job, which must keep its session
    observer = login(FlaskClient(b, b.response_class), publisher)
    token = token_of(
        upload_spreadsheet(on_a, workbook_bytes("scenario", [scenario_row(n) for n in range(5)]))
    )
    seen: list[tuple[int, int, str]] = []
    record = JobContext.progress

    def record_then_look_from_b(ctx: JobContext, done: int, total: int, note: str = "") -> None:
        record(ctx, done, total, note)
        state = observer.get(f"/jobs/{ctx.run_id}").get_json()
        seen.append((state["done"], state["total"], state["note"]))

    monkeypatch.setattr(imports, "CHUNK", 2)
    monkeypatch.setattr(runner, "PROGRESS_EVERY", 0)
    monkeypatch.setattr(JobContext, "progress", record_then_look_from_b)
    on_a.post(f"/imports/{token}/confirm")
    tokenised = [(2, 5, "分词"), (4, 5, "分词"), (5, 5, "分词")]
    if db.engine.dialect.name == "sqlite":
        # one writer at a time: while the rows are written the last count recorded stays
        assert seen == [(0, 5, "检查"), *tokenised, *[(5, 5, "分词")] * 3]
    else:
        assert seen == [(0, 5, "检查"), *tokenised, (2, 5, "写入"), (4, 5, "写入"), (5, 5, "写入")]
    assert len(db.session.scalars(sa.select(Scenario)).all()) == 5


# --- uploads waiting for confirmation ----------------------------------------------------------


def test_the_sweep_removes_uploads_older_than_a_day_and_their_files(publisher: User) -> None:
    old = pending.save(b"old", publisher.id, "scenario", "旧.xlsx")
    recent = pending.save(b"recent", publisher.id, "scenario", "新.xlsx")
    row = db.session.get_one(PendingImport, old)
    row.created_at = utcnow() - timedelta(days=1, minutes=1)
    old_key = row.file_key
    db.session.commit()
    assert pending.sweep(timedelta(days=1)) == 1
    db.session.commit()
    assert pending.load(old, publisher.id) is None
    assert storage.read(old_key) is None
    upload = pending.load(recent, publisher.id)
    assert upload is not None
    assert (upload.kind, upload.filename, upload.data) == ("scenario", "新.xlsx", b"recent")
    assert pending.sweep(timedelta(days=1)) == 0


def test_the_hourly_job_sweeps_the_old_uploads(publisher: User) -> None:
    old = pending.save(b"old", publisher.id, "scenario", "旧.xlsx")
    db.session.get_one(PendingImport, old).created_at = utcnow() - timedelta(days=2)
    pending.save(b"new", publisher.id, "capability", "新.xlsx")
    db.session.commit()
    enqueue("imports.sweep")  # what the scheduler does every hour
    db.session.commit()
    assert not pending.belongs(old, publisher.id)
    assert len(stored_keys()) == 1


def test_an_upload_belongs_to_its_user_and_has_no_import_before_it_is_confirmed(
    publisher: User,
) -> None:
    token = pending.save(b"x", publisher.id, "scenario", "a" * 300 + ".xlsx")
    db.session.commit()
    other = make_user(publisher.organization)
    assert pending.belongs(token, publisher.id)
    assert not pending.belongs(token, other.id)
    assert pending.load(token, other.id) is None
    assert not pending.belongs("not-a-token", publisher.id)
    assert pending.import_run(token, publisher.id) is None
    assert len(db.session.get_one(PendingImport, token).filename) == 200


# --- the migration from disk --------------------------------------------------------------------


def test_the_migration_moves_referenced_files_from_disk_into_the_database(
    client: FlaskClient,
    publisher: User,
    firm: User,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # rows as the previous release left them: random names, the bytes under ATTACHMENT_DIR
    scenario = make_scenario(publisher.organization)
    on_disk, gone = old_attachment(scenario), old_attachment(scenario)
    engagement = engagements.apply(firm, scenario, "我们有成熟的解决方案和案例。")
    engagement.attachment_name, engagement.attachment_file = "方案.pptx", secrets.token_hex(16)
    db.session.commit()
    (tmp_path / on_disk.stored_name).write_bytes(files.pdf())
    (tmp_path / "engagements").mkdir()
    (tmp_path / "engagements" / engagement.attachment_file).write_bytes(files.ooxml("pptx"))
    (tmp_path / "stray.pdf").write_bytes(files.pdf())  # referenced by no row: not read

    with caplog.at_level(logging.INFO, logger="alembic"):
        moved = files_migration().move_into_database(db.session.connection(), tmp_path)
    db.session.commit()

    assert moved == 2
    assert stored_keys() == sorted([on_disk.stored_name, engagement.attachment_file])
    assert storage.read(on_disk.stored_name) == files.pdf()
    assert storage.read(engagement.attachment_file) == files.ooxml("pptx")
    row = db.session.get_one(StoredFile, on_disk.stored_name)
    assert (row.size, row.sha256) == (len(files.pdf()), hashlib.sha256(files.pdf()).hexdigest())
    # the missing file is logged and skipped; its download answers 404 as it did before
    assert str(tmp_path / gone.stored_name) in caplog.text
    assert "moved 2 attachment files" in caplog.text
    login(client, publisher)
    response = client.get(f"/attachments/{on_disk.id}")
    assert response.data == files.pdf()
    response.close()
    assert client.get(f"/attachments/{gone.id}").status_code == 404
    # the files stay on disk until the operator removes them
    assert (tmp_path / on_disk.stored_name).read_bytes() == files.pdf()


def old_attachment(scenario: Scenario) -> Attachment:
    """An attachment row as the previous release wrote it (its bytes were on disk)."""
    item = Attachment(
        scenario_id=scenario.id,
        filename="方案.pdf",
        stored_name=secrets.token_hex(16),
        kind="pdf",
        size=len(files.pdf()),
        sha256=hashlib.sha256(files.pdf()).hexdigest(),
    )
    db.session.add(item)
    db.session.flush()
    return item


def test_the_downgrade_writes_the_files_back_where_the_previous_release_reads_them(
    client: FlaskClient, publisher: User, firm: User, tmp_path: Path
) -> None:
    scenario = make_scenario(publisher.organization)
    draft = make_scenario(publisher.organization, ListingStatus.DRAFT)
    login(client, publisher)
    post_file(client, f"/my/scenarios/{draft.id}/attachments", "file", "方案.pdf", files.pdf())
    login(client, firm)
    post_file(
        client,
        f"/scenarios/{scenario.id}/apply",
        "attachment",
        "方案.docx",
        files.ooxml("docx"),
        proposal="我们有成熟的解决方案和案例。",
    )
    item = db.session.scalars(sa.select(Attachment)).one()
    engagement = db.session.scalars(sa.select(Engagement)).one()

    written = files_migration().write_out(db.session.connection(), tmp_path)

    assert written == 2
    assert (tmp_path / item.stored_name).read_bytes() == files.pdf()
    assert (tmp_path / "engagements" / engagement.attachment_file).read_bytes() == (
        files.ooxml("docx")
    )
    assert not list(tmp_path.rglob("*.partial"))


def test_upgrading_moves_the_files_and_downgrading_writes_them_back(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "uploads"
    monkeypatch.setenv("ATTACHMENT_DIR", str(directory))
    scratch = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.db'}")
    with scratch.app_context():
        upgrade(directory=str(MIGRATIONS), revision=BEFORE_FILES)
        taxonomy.load_taxonomy(ROOT / "seed" / "taxonomy.json")
        # an organisation and a draft: no users, whose table later migrations change, and no
        # rows of other tables they change (search words)
        item = old_attachment(make_scenario(make_org(Role.PUBLISHER), ListingStatus.DRAFT))
        db.session.commit()
        directory.mkdir()
        (directory / item.stored_name).write_bytes(files.pdf())

        upgrade(directory=str(MIGRATIONS))
        assert storage.read(item.stored_name) == files.pdf()

        (directory / item.stored_name).unlink()  # the operator removed the old directory
        db.session.remove()
        downgrade(directory=str(MIGRATIONS), revision=BEFORE_FILES)
        assert (directory / item.stored_name).read_bytes() == files.pdf()
        assert "stored_files" not in db.inspect(db.engine).get_table_names()
        db.engine.dispose()
