"""The daily purge of audit records past their retention period."""

from __future__ import annotations

from typing import Any

from flask import current_app

from app.audit_log import retention
from app.jobs import JobContext, job


@job("audit.purge", label="清理过期审计记录", attempts=3)
def purge(ctx: JobContext) -> dict[str, Any]:
    """Delete records older than AUDIT_RETENTION_DAYS (never younger than 180 days)."""
    return {"purged": retention.purge_now(current_app.config["AUDIT_RETENTION_DAYS"])}
