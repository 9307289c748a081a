"""Backup and restore: wipe-and-restore drills on both databases, and every refusal.

A drill: create data, back up, wipe (drop everything), restore; every table's row count and a
rendered page must be what they were. Run on SQLite always, and on PostgreSQL when the suite
runs there (a scratch database beside the suite's: <test database>_drill).
"""

from __future__ import annotations

import io
import shutil
import tarfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask

from app.engagements import services as engagements
from app.extensions import db
from app.models import AuditEvent, JobRun, Role
from app.ops import backup, health
from tests.factories import make_capability, make_org, make_scenario, make_user
from tests.ops import (
    copy_sqlite,
    migrate,
    needs_postgres,
    row_counts,
    running,
    scratch_postgres,
    sqlite_url,
    wipe,
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied by each test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate(sqlite_url(path))
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=needs_postgres)])
def scratch(request: pytest.FixtureRequest, template: Path, tmp_path: Path) -> Iterator[str]:
    """The URL of a migrated database of the test's own, of each kind."""
    if request.param == "sqlite":
        yield sqlite_url(copy_sqlite(template, tmp_path / "site.db"))
        return
    if shutil.which("pg_dump") is None or shutil.which("psql") is None:
        pytest.skip("the PostgreSQL client programs (pg_dump, pg_restore, psql) are not installed")
    with scratch_postgres("drill") as url:
        migrate(url)
        yield url


def invoke(site: Flask, *args: str, answer: str | None = None) -> Result:
    """Run a `flask` command against the site's database.

    Inside the site's app context: Flask's CLI runs a command in whatever app context is
    already pushed, and the suite pushes its own app's around every test.
    """
    with site.app_context():
        return site.test_cli_runner().invoke(args=list(args), input=answer)


def populate(site: Flask) -> int:
    """Organisations, users, listings, an engagement, a job record; the published scenario."""
    with site.app_context():
        publisher = make_user(make_org(Role.PUBLISHER))
        firm_org = make_org(Role.FIRM)
        firm = make_user(firm_org)
        scenario = make_scenario(publisher.organization, title="城市内涝积水智能监测预警")
        make_scenario(publisher.organization, title="草稿场景", status=_draft())
        make_capability(firm_org)
        engagements.apply(firm, scenario, "我们在三个区县做过积水监测，可以提供成熟方案。")
        db.session.add(JobRun(name="notifications.digest"))
        db.session.commit()
        scenario_id = scenario.id
        db.session.remove()
    return scenario_id


def _draft() -> object:
    from app.models import ListingStatus

    return ListingStatus.DRAFT


def page(site: Flask, scenario_id: int) -> tuple[int, str]:
    """The public page of a scenario, as a visitor sees it."""
    response = site.test_client().get(f"/scenarios/{scenario_id}")
    return response.status_code, response.get_data(as_text=True)


# --- the drill --------------------------------------------------------------------------


def test_wipe_and_restore_drill(scratch: str, tmp_path: Path) -> None:
    kind = sa.engine.make_url(scratch).get_backend_name()
    with running(scratch) as site:
        scenario_id = populate(site)
        before = row_counts(scratch)
        status, shown = page(site, scenario_id)
        assert status == 200
        assert "城市内涝积水智能监测预警" in shown

        created = invoke(site, "backup", "create", "--output", str(tmp_path / "backups"))
        assert created.exit_code == 0, created.output
        (archive,) = (tmp_path / "backups").glob("jinan-*.tar")
        assert archive.stat().st_mode & 0o777 == 0o600, "the whole database: its owner only"
        manifest = backup.read_manifest(archive)
        assert manifest.database == kind
        assert manifest.revision == next(iter(health.code_revisions()[0]))
        assert manifest.tables == before
        assert {"users", "scenarios", "engagements", "job_runs", "taxonomy_terms"} <= {
            name for name, count in before.items() if count > 0
        }

        wipe(scratch)
        assert row_counts(scratch) == {}
        assert page(site, scenario_id)[0] == 503, "the site says it is down, not 500"

        restored = invoke(site, "backup", "restore", str(archive), "--yes")
        assert restored.exit_code == 0, restored.output
        assert "行数与备份清单一致" in restored.output
        assert row_counts(scratch) == before
        assert page(site, scenario_id) == (200, shown)


def test_a_backup_taken_while_the_site_writes_is_consistent(scratch: str, tmp_path: Path) -> None:
    """The manifest's counts are those of the payload: restoring gives exactly them."""
    with running(scratch) as site:
        stop, written = threading.Event(), []

        def keep_writing() -> None:
            with site.app_context():
                while not stop.is_set():
                    db.session.add(AuditEvent(action="busy", subject_type="test", subject_id=1))
                    db.session.commit()
                    written.append(1)
                db.session.remove()

        writer = threading.Thread(target=keep_writing)
        writer.start()
        try:
            while len(written) < 20:
                time.sleep(0.01)
            with site.app_context():
                archive, manifest = backup.create(db.engine, tmp_path)
            settled = len(written)
            while len(written) < settled + 20:  # the site writes on after the backup
                time.sleep(0.01)
        finally:
            stop.set()
            writer.join()
        in_backup = manifest.tables["audit_events"]
        assert 20 <= in_backup < row_counts(scratch)["audit_events"]

        restored = invoke(site, "backup", "restore", str(archive), "--yes")
        assert restored.exit_code == 0, restored.output
        assert row_counts(scratch)["audit_events"] == in_backup


def test_restore_replaces_tables_the_backup_does_not_have(scratch: str, tmp_path: Path) -> None:
    """A table from a later migration (or anything else) does not survive: db upgrade can run."""
    with running(scratch) as site:
        with site.app_context():
            archive, _manifest = backup.create(db.engine, tmp_path)
            with db.engine.begin() as connection:
                connection.exec_driver_sql("CREATE TABLE later_feature (id INTEGER PRIMARY KEY)")
            db.session.remove()
        restored = invoke(site, "backup", "restore", str(archive), "--yes")
        assert restored.exit_code == 0, restored.output
    assert "later_feature" not in row_counts(scratch)


# --- migrating after a restore ----------------------------------------------------------


def test_a_backup_from_an_older_revision_is_migrated_after_restoring(tmp_path: Path) -> None:
    heads, known = health.code_revisions()
    script_older = _previous(next(iter(heads)))
    old_url = sqlite_url(tmp_path / "old.db")
    migrate(old_url, revision=script_older)
    with running(old_url) as old_site, old_site.app_context():
        archive, manifest = backup.create(db.engine, tmp_path / "backups")
    assert manifest.revision == script_older
    target = sqlite_url(tmp_path / "target.db")
    migrate(target)
    with running(target) as site:
        restored = invoke(site, "backup", "restore", str(archive), "--yes")
        assert restored.exit_code == 0, restored.output
        assert "数据库已升级" in restored.output
    engine = sa.create_engine(target)
    with engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT version_num FROM alembic_version")) in heads
    engine.dispose()


def _previous(revision: str) -> str:
    from alembic.script import ScriptDirectory

    from tests.ops import MIGRATIONS

    down = ScriptDirectory(MIGRATIONS).get_revision(revision).down_revision
    assert isinstance(down, str)
    return down


# --- refusals ---------------------------------------------------------------------------


@pytest.fixture
def sqlite_site(template: Path, tmp_path: Path) -> Iterator[tuple[Flask, Path, str]]:
    """A SQLite site with some data and a backup of it: (app, backup file, url)."""
    url = sqlite_url(copy_sqlite(template, tmp_path / "site.db"))
    with running(url) as site:
        populate(site)
        with site.app_context():
            archive, _manifest = backup.create(db.engine, tmp_path / "backups")
            db.session.remove()
        yield site, archive, url


def rewritten(
    archive: Path, target: Path, manifest: dict | None = None, flip: bool = False
) -> Path:
    """A copy of a backup with its manifest changed, or a byte of its payload flipped."""
    with tarfile.open(archive) as source, tarfile.open(target, "w") as copy:
        for member in source.getmembers():
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == backup.MANIFEST and manifest is not None:
                stored = backup.Manifest.from_json(data)
                data = backup.Manifest(**{**stored.__dict__, **manifest}).to_json()
            elif member.name != backup.MANIFEST and flip:
                data = data[:100] + bytes([data[100] ^ 0xFF]) + data[101:]
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
    return target


def test_a_backup_of_the_other_kind_of_database_is_refused(
    sqlite_site: tuple[Flask, Path, str], tmp_path: Path
) -> None:
    site, archive, url = sqlite_site
    before = row_counts(url)
    foreign = rewritten(archive, tmp_path / "pg.tar", {"database": "postgresql"})
    refused = invoke(site, "backup", "restore", str(foreign), "--yes")
    assert refused.exit_code != 0
    assert "这是 postgresql 数据库的备份，不能恢复到 sqlite 数据库" in refused.output
    assert row_counts(url) == before


def test_a_backup_from_a_newer_release_is_refused(
    sqlite_site: tuple[Flask, Path, str], tmp_path: Path
) -> None:
    site, archive, url = sqlite_site
    before = row_counts(url)
    newer = rewritten(archive, tmp_path / "newer.tar", {"revision": "f00dfeedbeef"})
    refused = invoke(site, "backup", "restore", str(newer), "--yes")
    assert refused.exit_code != 0
    assert "f00dfeedbeef 比当前代码新" in refused.output
    assert row_counts(url) == before


def test_a_damaged_backup_is_refused_before_anything_changes(
    sqlite_site: tuple[Flask, Path, str], tmp_path: Path
) -> None:
    site, archive, url = sqlite_site
    before = row_counts(url)
    damaged = rewritten(archive, tmp_path / "damaged.tar", flip=True)
    refused = invoke(site, "backup", "restore", str(damaged), "--yes")
    assert refused.exit_code != 0
    assert "校验和与清单不符" in refused.output
    assert row_counts(url) == before


def test_a_file_that_is_not_a_backup_is_refused(
    sqlite_site: tuple[Flask, Path, str], tmp_path: Path
) -> None:
    site, _archive, _url = sqlite_site
    stranger = tmp_path / "stranger.tar"
    with tarfile.open(stranger, "w") as archive:
        archive.addfile(tarfile.TarInfo("notes.txt"), io.BytesIO(b""))
    refused = invoke(site, "backup", "restore", str(stranger), "--yes")
    assert refused.exit_code != 0
    assert "不是本平台的备份文件" in refused.output
    garbage = tmp_path / "garbage.tar"
    garbage.write_bytes(b"not a tar at all")
    assert invoke(site, "backup", "restore", str(garbage), "--yes").exit_code != 0


def test_restore_asks_first_and_no_keeps_the_database(
    sqlite_site: tuple[Flask, Path, str],
) -> None:
    site, archive, url = sqlite_site
    with site.app_context():
        db.session.add(AuditEvent(action="after", subject_type="test", subject_id=1))
        db.session.commit()
        db.session.remove()
    before = row_counts(url)
    declined = invoke(site, "backup", "restore", str(archive), answer="n\n")
    assert declined.exit_code != 0
    assert "确定恢复吗？" in declined.output
    assert "sqlite:///" in declined.output, "names the database it would overwrite"
    assert row_counts(url) == before


def test_the_confirmation_never_shows_the_password(tmp_path: Path) -> None:
    from app.ops.backup import describe

    engine = sa.create_engine("postgresql+psycopg://jinan:s3cret-pass@db.internal:5432/jinan")
    assert "s3cret-pass" not in describe(engine)
    engine.dispose()


def test_show_lists_the_tables_of_a_backup(sqlite_site: tuple[Flask, Path, str]) -> None:
    site, archive, url = sqlite_site
    shown = invoke(site, "backup", "show", str(archive))
    assert shown.exit_code == 0, shown.output
    assert "sqlite" in shown.output
    for name, count in row_counts(url).items():
        assert any(line.split() == [name, str(count)] for line in shown.output.splitlines())


def test_keep_prunes_the_oldest_backups(sqlite_site: tuple[Flask, Path, str]) -> None:
    site, first, _url = sqlite_site
    directory = first.parent
    older = directory / "jinan-sqlite-20200101T000000Z-old.tar"
    shutil.copyfile(first, older)
    stamp = time.time() - 86400
    import os

    os.utime(older, (stamp, stamp))
    time.sleep(1.1)  # the next backup's name differs by its second
    kept = invoke(site, "backup", "create", "--output", str(directory), "--keep", "2")
    assert kept.exit_code == 0, kept.output
    assert f"已删除旧备份 {older.name}" in kept.output
    assert len(list(directory.glob("jinan-*.tar"))) == 2
    assert not older.exists()
