"""`flask notifications send | digest | remind-deadlines` (thin: services do the work)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.extensions import db
from app.notifications import outbox, reminders

group = AppGroup("notifications", help="E-mail delivery, daily digest and deadline reminders.")


@group.command("send")
@click.option("--limit", default=100, show_default=True, help="At most this many e-mails.")
def send(limit: int) -> None:
    """Send the e-mails that are due; failures are retried later with backoff."""
    report = outbox.SendReport()
    for message_id in outbox.due_ids(limit=limit):
        outbox.attempt(message_id, report)
        db.session.commit()  # one by one: a crash never re-sends what already went out
    click.echo(f"已发送 {report.sent} 封，稍后重试 {report.retrying} 封，放弃 {report.failed} 封。")


@group.command("digest")
def digest() -> None:
    """Merge the e-mails held for daily-digest users into one message each."""
    users = outbox.digest()
    db.session.commit()
    click.echo(f"已为 {users} 位用户生成每日摘要邮件（由 send 命令发送）。")


@group.command("remind-deadlines")
def remind_deadlines() -> None:
    """Tell publishers and engaged firms about deadlines within three days (once each)."""
    count = reminders.remind_deadlines()
    db.session.commit()
    click.echo(f"已为 {count} 个场景发送截止提醒。")
