"""Backups of the whole database (files live in it), and restoring one.

A backup is one .tar file holding `manifest.json` first (when, which migration revision, which
kind of database, the row count of every table, the payload's SHA-256) and then the payload:

* PostgreSQL: `pg_dump --format=custom`, run inside an exported snapshot, so the row counts in
  the manifest are those of the dump even while the site writes.
* SQLite: a copy made with SQLite's online backup API (one step, under a read transaction),
  consistent while the site writes; the counts are taken from the copy.

Restoring refuses a backup of the other kind of database, or of a migration revision the code
does not know (a newer release), and checks the payload's checksum. PostgreSQL: the `public`
schema is dropped and `pg_restore --clean --if-exists`'s script is applied in ONE transaction
(psql, ON_ERROR_STOP): a failure leaves the database as it was, and tables the backup lacks
(a later migration's) are gone, so `db upgrade` can follow. SQLite: the backup API copies the
file back into the live database. Either way the restored row counts are compared with the
manifest before the caller runs `db upgrade`.
"""

from __future__ import annotations

import builtins
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

from app.ops.health import code_revisions

FORMAT = 1
MANIFEST = "manifest.json"
PAYLOADS = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
PREFIX = "jinan-"
CHUNK = 1 << 20
LOCK_TIMEOUT = "10s"  # a restore waits this long for the running site's locks, then gives up


class BackupError(Exception):
    """A backup or restore refused or failed; the message is Chinese and shown as is."""


@dataclass(frozen=True)
class Manifest:
    """What a backup holds, written beside its payload."""

    format: int
    created_at: str
    database: str  # "postgresql" or "sqlite"
    revision: str | None  # alembic revision(s), comma-separated; None when never migrated
    tables: dict[str, int]
    payload: str
    sha256: str
    bytes: int

    @property
    def rows(self) -> int:
        """Rows in every table together."""
        return sum(self.tables.values())

    def to_json(self) -> builtins.bytes:  # builtins: the field `bytes` shadows the type here
        """The manifest as stored in the archive."""
        return json.dumps(asdict(self), ensure_ascii=False, indent=2).encode()

    @classmethod
    def from_json(cls, raw: builtins.bytes) -> Manifest:
        """Read a stored manifest; an unknown format is refused."""
        data = json.loads(raw)
        if data.get("format") != FORMAT:
            raise BackupError(f"不支持的备份格式：{data.get('format')!r}。")
        return cls(**{key: data[key] for key in cls.__dataclass_fields__})


# --- what is in a database --------------------------------------------------------------


def inventory(connection: Connection) -> tuple[str | None, dict[str, int]]:
    """The migration revision and the row count of every table, read in one transaction."""
    tables = sorted(sa.inspect(connection).get_table_names())
    counts = {
        name: int(connection.scalar(sa.select(sa.func.count()).select_from(sa.table(name))) or 0)
        for name in tables
    }
    revision = None
    if "alembic_version" in tables:
        rows = connection.execute(sa.text("SELECT version_num FROM alembic_version"))
        revision = ",".join(sorted(row[0] for row in rows)) or None
    return revision, counts


def kind_of(engine: Engine) -> str:
    """postgresql or sqlite; anything else is not supported."""
    name = engine.dialect.name
    if name not in PAYLOADS:
        raise BackupError(f"不支持备份 {name} 数据库。")
    return name


def describe(engine: Engine) -> str:
    """The database as shown to the operator (never the password)."""
    return engine.url.render_as_string(hide_password=True)


# --- PostgreSQL client tools ------------------------------------------------------------


def _libpq(engine: Engine) -> tuple[str, dict[str, str]]:
    """A conninfo string without the password, and an environment carrying it (PGPASSWORD)."""
    from psycopg.conninfo import make_conninfo

    url = engine.url
    params: dict[str, Any] = {k: v for k, v in url.query.items() if isinstance(v, str)}
    params.update(host=url.host, port=url.port, user=url.username, dbname=url.database)
    conninfo = make_conninfo(**{k: str(v) for k, v in params.items() if v not in (None, "")})
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)  # not on the command line: `ps` shows that
    return conninfo, env


def _tool(name: str) -> str:
    """The path of a PostgreSQL client program, or a clear refusal."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"找不到 {name}：请安装与服务器版本一致的 PostgreSQL 客户端。")
    return path


def _run(command: list[str], env: dict[str, str]) -> None:
    """Run a client program; its own error message when it fails."""
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603 -- pg_dump/psql by path, no shell
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} 失败：{done.stderr.strip()[-2000:]}")


# --- create -----------------------------------------------------------------------------


def _dump_postgresql(engine: Engine, target: Path) -> tuple[str | None, dict[str, int]]:
    """pg_dump inside an exported snapshot; the counts are read in that same snapshot."""
    conninfo, env = _libpq(engine)
    with engine.connect() as connection:
        repeatable = connection.execution_options(isolation_level="REPEATABLE READ")
        with repeatable.begin():
            snapshot = repeatable.scalar(sa.text("SELECT pg_export_snapshot()"))
            revision, counts = inventory(repeatable)
            command = [_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}"]
            _run([*command, f"--file={target}", f"--dbname={conninfo}"], env)
    return revision, counts


def _copy_sqlite(engine: Engine, target: Path) -> tuple[str | None, dict[str, int]]:
    """SQLite's online backup API in one step (a consistent copy while others write)."""
    raw = engine.raw_connection()
    try:
        copy = sqlite3.connect(target)
        try:
            raw.driver_connection.backup(copy)  # type: ignore[union-attr]
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal
        finally:
            copy.close()
    finally:
        raw.close()
    return _sqlite_inventory(target)


def _sqlite_inventory(path: Path) -> tuple[str | None, dict[str, int]]:
    copy = sa.create_engine(f"sqlite:///{path}", poolclass=NullPool)
    try:
        with copy.connect() as connection:
            return inventory(connection)
    finally:
        copy.dispose()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def create(engine: Engine, output: Path, now: datetime | None = None) -> tuple[Path, Manifest]:
    """Write a backup of the database into `output`; its path and manifest.

    The archive is written under a temporary name and renamed when complete, so a backup that
    was interrupted never looks like one; it is readable by its owner only.
    """
    kind = kind_of(engine)
    output.mkdir(parents=True, exist_ok=True)
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    with tempfile.TemporaryDirectory(dir=output, prefix=".backup-") as work:
        payload = Path(work) / PAYLOADS[kind]
        dump = _dump_postgresql if kind == "postgresql" else _copy_sqlite
        revision, counts = dump(engine, payload)
        manifest = Manifest(
            format=FORMAT,
            created_at=moment.isoformat(timespec="seconds"),
            database=kind,
            revision=revision,
            tables=counts,
            payload=PAYLOADS[kind],
            sha256=_sha256(payload),
            bytes=payload.stat().st_size,
        )
        name = f"{PREFIX}{kind}-{moment:%Y%m%dT%H%M%SZ}-{revision or 'empty'}.tar"
        partial = Path(work) / f"{name}.partial"
        _write_archive(partial, manifest, payload)
        final = output / name
        partial.replace(final)
    return final, manifest


def _write_archive(path: Path, manifest: Manifest, payload: Path) -> None:
    """The manifest first (read without scanning the payload), then the payload."""
    raw = manifest.to_json()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle, tarfile.open(fileobj=handle, mode="w") as archive:
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mode, info.mtime = len(raw), 0o600, int(datetime.now(UTC).timestamp())
        archive.addfile(info, io.BytesIO(raw))
        archive.add(payload, arcname=manifest.payload, recursive=False)


def prune(output: Path, keep: int) -> list[Path]:
    """Delete all but the `keep` newest backups in `output`; the ones deleted."""
    backups = sorted(output.glob(f"{PREFIX}*.tar"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in backups[keep:]:
        old.unlink()
    return backups[keep:]


# --- read and check ---------------------------------------------------------------------


@contextmanager
def _opened(path: Path) -> Iterator[tuple[tarfile.TarFile, Manifest]]:
    try:
        archive = tarfile.open(path, mode="r:*")  # noqa: SIM115 - closed by the with below
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"无法读取备份文件 {path}：{exc}") from exc
    with archive:
        member = archive.next()
        if member is None or member.name != MANIFEST:
            raise BackupError(f"{path} 不是本平台的备份文件（缺少 {MANIFEST}）。")
        stream = archive.extractfile(member)
        if stream is None:
            raise BackupError(f"{path} 的 {MANIFEST} 无法读取。")
        yield archive, Manifest.from_json(stream.read())


def read_manifest(path: Path) -> Manifest:
    """The manifest of a backup file (reads only the start of the archive)."""
    with _opened(path) as (_archive, manifest):
        return manifest


def check_restorable(manifest: Manifest, engine: Engine) -> None:
    """Refuse a backup of the other kind of database, or of a revision this code does not know."""
    kind = kind_of(engine)
    if manifest.database != kind:
        raise BackupError(f"这是 {manifest.database} 数据库的备份，不能恢复到 {kind} 数据库。")
    _heads, known = code_revisions()
    unknown = [r for r in (manifest.revision or "").split(",") if r and r not in known]
    if unknown:
        raise BackupError(
            f"备份的数据库版本 {', '.join(unknown)} 比当前代码新（或来自其他分支）："
            "请用生成该备份的版本（或更新的版本）恢复。"
        )


def _extract_payload(archive: tarfile.TarFile, manifest: Manifest, directory: Path) -> Path:
    """Copy the payload out of the archive (by name only) and check its checksum."""
    try:
        member = archive.getmember(manifest.payload)
    except KeyError as exc:
        raise BackupError(f"备份中缺少 {manifest.payload}。") from exc
    source = archive.extractfile(member)
    if source is None:
        raise BackupError(f"备份中的 {manifest.payload} 不是文件。")
    target = directory / PAYLOADS[manifest.database]
    digest = hashlib.sha256()
    with target.open("wb") as handle:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            handle.write(chunk)
    if digest.hexdigest() != manifest.sha256:
        raise BackupError("备份文件已损坏：校验和与清单不符。")
    return target


# --- restore ----------------------------------------------------------------------------


def restore(path: Path, engine: Engine) -> Manifest:
    """Replace the database's contents with a backup; check the row counts; the manifest.

    The caller confirms first and runs `db upgrade` after.
    """
    with _opened(path) as (archive, manifest):
        check_restorable(manifest, engine)
        with tempfile.TemporaryDirectory(prefix="jinan-restore-") as work:
            payload = _extract_payload(archive, manifest, Path(work))
            engine.dispose()  # no pooled connection may hold on to what is replaced
            if manifest.database == "postgresql":
                _restore_postgresql(engine, payload, Path(work))
            else:
                _restore_sqlite(engine, payload)
    engine.dispose()
    with engine.connect() as connection:
        revision, counts = inventory(connection)
    if counts != manifest.tables or revision != manifest.revision:
        raise BackupError(f"恢复后的数据与备份清单不符：{_difference(manifest.tables, counts)}")
    return manifest


def _difference(expected: dict[str, int], found: dict[str, int]) -> str:
    names = sorted(set(expected) | set(found))
    return "；".join(
        f"{n}: 备份 {expected.get(n, '无')}，恢复后 {found.get(n, '无')}"
        for n in names
        if expected.get(n) != found.get(n)
    )


PREAMBLE = f"""\
BEGIN;
SET lock_timeout = '{LOCK_TIMEOUT}';
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS public CASCADE;
CREATE SCHEMA public;
"""


def _restore_postgresql(engine: Engine, payload: Path, work: Path) -> None:
    """pg_restore's script after a schema drop, in one transaction committed only if complete."""
    conninfo, env = _libpq(engine)
    restore_cmd = [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges"]
    psql_cmd = [_tool("psql"), "-X", "-q", "-w", "-v", "ON_ERROR_STOP=1", f"--dbname={conninfo}"]
    with (work / "pg_restore.err").open("w+") as produce_err, (work / "psql.err").open("w+") as err:
        applier = subprocess.Popen(  # noqa: S603 -- psql by path, fixed options, no shell
            psql_cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err, env=env
        )
        producer = subprocess.Popen(  # noqa: S603 -- pg_restore by path, no shell
            [*restore_cmd, "--file=-", str(payload)],
            stdout=subprocess.PIPE,
            stderr=produce_err,
            env=env,
        )
        produced = _feed(applier.stdin, producer)  # type: ignore[arg-type]
        applied = applier.wait()
        if produced != 0:
            raise BackupError(f"pg_restore 失败：{_tail(produce_err)}")
        if applied != 0:
            raise BackupError(f"恢复失败，数据库未改动：{_tail(err)}")


def _feed(stdin: IO[bytes], producer: subprocess.Popen[bytes]) -> int:
    """Stream the script into psql; COMMIT only once pg_restore finished without error.

    psql commits nothing on its own: if the script stops early (pg_restore failed, psql hit
    an error), psql's input ends inside the open transaction and the server rolls it back.
    """
    assert producer.stdout is not None  # noqa: S101 - opened with PIPE
    try:
        stdin.write(PREAMBLE.encode())
        shutil.copyfileobj(producer.stdout, stdin, CHUNK)
        status = producer.wait()
        if status == 0:
            stdin.write(b"COMMIT;\n")
    except BrokenPipeError:  # psql stopped on an error: its message says which
        producer.stdout.close()  # pg_restore may be blocked writing: let it end
        status = producer.wait()
    finally:
        producer.stdout.close()
        with suppress(BrokenPipeError):
            stdin.close()
    return status


def _tail(stream: IO[str]) -> str:
    stream.seek(0)
    return stream.read().strip()[-2000:] or "（无错误信息）"


def _restore_sqlite(engine: Engine, payload: Path) -> None:
    """Copy the backup into the live file with the backup API (other connections stay valid)."""
    source = sqlite3.connect(payload)
    try:
        raw = engine.raw_connection()
        try:
            source.backup(raw.driver_connection)  # type: ignore[arg-type]
        finally:
            raw.close()
    except sqlite3.Error as exc:
        raise BackupError(f"恢复失败：{exc}") from exc
    finally:
        source.close()
