"""`flask open-data backfill | build`: releases of older listings, the bulk files now."""

from __future__ import annotations

import click

from app.extensions import db
from app.open_data import backfill as backfilling
from app.open_data import exports
from app.open_data.views import bp
from app.runtime.sqlite import writing


@bp.cli.command("backfill")
def backfill() -> None:
    """Record a publication release for every listing published before releases existed."""
    with writing():
        added = backfilling.backfill()
        db.session.commit()
    click.echo(f"已为 {added} 条已发布内容补记发布记录。")


@bp.cli.command("build")
def build() -> None:
    """Build the bulk downloads now (the open_data.refresh job does it after changes)."""
    with writing():
        written = exports.build_all()
    for row in written:
        click.echo(f"{row.name}\t{row.rows} 条\t{row.size} 字节\tsha256 {row.sha256}")
