"""第N批 batches become public on their date: recorded by a daily job."""

from __future__ import annotations

from typing import Any

from app import clock
from app.batches import services
from app.jobs import JobContext, job


@job("batches.publish_due", label="批次按期公开")
def publish_due(ctx: JobContext) -> dict[str, Any]:
    """The batches public from today (publication itself is decided at read time, by date)."""
    today = clock.today()
    due = [batch.title for batch in services.public_batches() if batch.publish_on == today]
    return {"public_from_today": due, "scheduled": len(services.scheduled_batches())}
