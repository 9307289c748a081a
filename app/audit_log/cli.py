"""`flask audit verify | purge` (thin: the work is in app.audit_log)."""

from __future__ import annotations

import sys
import time

import click
from flask import current_app
from flask.cli import AppGroup

from app.audit_log import retention
from app.audit_log.verify import verify as walk
from app.extensions import db
from app.runtime.sqlite import writing

group = AppGroup("audit", help="The audit trail: verify its hash chain, purge expired records.")


@group.command("verify")
def verify() -> None:
    """Walk the chain; exit 1 naming the first edited or deleted record, else 0 and a count."""
    started = time.monotonic()
    verdict = walk(db.session())
    seconds = time.monotonic() - started
    if verdict.intact:
        start = f"，自第 {verdict.first_seq} 条起" if verdict.first_seq else ""
        click.echo(f"审计链完整：已校验 {verdict.checked} 条记录{start}（{seconds:.1f} 秒）。")
        return
    click.echo(
        f"审计链已被破坏：第 {verdict.broken_at} 条，{verdict.problem}。"
        f"（此前 {verdict.checked} 条校验通过）",
        err=True,
    )
    sys.exit(1)


@group.command("purge")
def purge() -> None:
    """Delete records older than AUDIT_RETENTION_DAYS now (the daily job does the same)."""
    with writing():
        deleted = retention.purge_now(current_app.config["AUDIT_RETENTION_DAYS"])
        db.session.commit()
    click.echo(f"已清理 {deleted} 条过期审计记录。")
