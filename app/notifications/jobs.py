"""Mail delivery, the daily digest and deadline reminders, as periodic jobs."""

from __future__ import annotations

from typing import Any

from app.extensions import db
from app.jobs import JobContext, job
from app.notifications import outbox, reminders


@job("notifications.send", label="发送邮件", attempts=1)
def send(ctx: JobContext, limit: int = 200) -> dict[str, Any]:
    """Deliver the e-mails that are due, committing each (a crash never re-sends one)."""
    report = outbox.SendReport()
    ids = outbox.due_ids(limit=limit)
    for done, message_id in enumerate(ids, start=1):
        outbox.attempt(message_id, report)
        db.session.commit()
        ctx.progress(done, len(ids))
    return {"sent": report.sent, "retrying": report.retrying, "failed": report.failed}


@job("notifications.digest", label="每日消息摘要")
def digest(ctx: JobContext) -> dict[str, Any]:
    """Merge the e-mails held for daily-digest users into one message each."""
    return {"users": outbox.digest()}


@job("notifications.remind_deadlines", label="截止日期临近提醒")
def remind_deadlines(ctx: JobContext) -> dict[str, Any]:
    """Tell publishers and engaged firms about deadlines within three days (once each)."""
    return {"scenarios": reminders.remind_deadlines()}
