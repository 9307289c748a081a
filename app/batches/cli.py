"""`flask batches publish-due`: a report for cron logs (publication itself is checked at read time)."""

from __future__ import annotations

import click

from app import clock
from app.batches import bp, services


@bp.cli.command("publish-due")
def publish_due() -> None:
    """List the batches public from today and those still scheduled."""
    today = clock.today()
    due = [b for b in services.public_batches() if b.publish_on == today]
    scheduled = services.scheduled_batches()
    click.echo(f"今日（{today}）起公开的批次：{len(due)} 个")
    for batch in due:
        click.echo(f"  {batch.title}（{len(batch.items)}项）")
    click.echo(f"计划发布的批次：{len(scheduled)} 个")
    for batch in scheduled:
        click.echo(f"  {batch.title}：{batch.publish_on}")
