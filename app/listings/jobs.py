"""Listing work done outside requests: expiry, and what follows a publication."""

from __future__ import annotations

from typing import Any

from app.jobs import JobContext, job
from app.listings import services


@job("listings.expire", label="场景到期处理")
def expire(ctx: JobContext) -> dict[str, Any]:
    """Mark published scenarios past their application deadline as 已过期."""
    return {"expired": [scenario.id for scenario in services.expire_due()]}
