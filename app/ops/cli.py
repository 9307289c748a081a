"""`flask backup create | restore | show` (thin: the work is in app.ops.backup)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_migrate import upgrade

from app.config import ROOT
from app.extensions import db
from app.ops import backup

group = AppGroup("backup", help="Back up the whole database (files included) and restore it.")


def _summary(manifest: backup.Manifest) -> str:
    return (
        f"{manifest.created_at}，{manifest.database}，版本 {manifest.revision or '未迁移'}，"
        f"{len(manifest.tables)} 张表共 {manifest.rows} 行"
    )


@group.command("create")
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write to (default: BACKUP_DIR).",
)
@click.option("--keep", type=click.IntRange(min=1), help="Then delete all but the N newest.")
def create(output: Path | None, keep: int | None) -> None:
    """Write a consistent backup of the database while the site keeps running."""
    directory = output or Path(current_app.config["BACKUP_DIR"])
    try:
        path, manifest = backup.create(db.engine, directory)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"已备份到 {path}（{_summary(manifest)}，{manifest.bytes} 字节）。")
    if keep:
        for old in backup.prune(directory, keep):
            click.echo(f"已删除旧备份 {old.name}。")


@group.command("show")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def show(file: Path) -> None:
    """Print what a backup holds (its manifest)."""
    try:
        manifest = backup.read_manifest(file)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(_summary(manifest))
    for name, count in manifest.tables.items():
        click.echo(f"  {name:<32} {count:>10}")


@group.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore(file: Path, yes: bool) -> None:
    """Replace the database with a backup, check it, then migrate it to this code's head."""
    try:
        manifest = backup.read_manifest(file)
        backup.check_restorable(manifest, db.engine)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    if not yes:
        click.confirm(
            f"将用备份（{_summary(manifest)}）替换数据库 {backup.describe(db.engine)}，"
            "其中现有的全部数据将被覆盖。请先停止网站、任务进程和定时任务。确定恢复吗？",
            abort=True,
        )
    db.session.remove()
    try:
        backup.restore(file, db.engine)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"已恢复：{len(manifest.tables)} 张表的行数与备份清单一致。")
    upgrade(directory=str(ROOT / "migrations"))
    click.echo("数据库已升级到当前代码的版本（flask db upgrade）。")
