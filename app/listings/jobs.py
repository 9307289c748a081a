"""Listing work done outside requests: expiry, and what follows a publication."""

from __future__ import annotations

from typing import Any

from app import listing_kinds as kinds
from app.jobs import JobContext, job
from app.listings import publication, services


@job("listings.expire", label="场景到期处理")
def expire(ctx: JobContext) -> dict[str, Any]:
    """Mark published scenarios past their application deadline as 已过期."""
    return {"expired": [scenario.id for scenario in services.expire_due()]}


@job(publication.FOLLOW_UP, label="发布后的推荐匹配与订阅提醒")
def published(ctx: JobContext, side: str, listing_id: int, first: bool) -> dict[str, Any]:
    """What follows a publication: its best pairs queued for review, saved searches alerted.

    Skipped when the listing is no longer published by the time the job runs (withdrawn in
    between); run again, it adds nothing twice (pairs and alerts are checked first).
    """
    listing = kinds.by_name(side).get(listing_id)
    if listing is None or not listing.is_published:
        return {"skipped": "no longer published"}
    return publication.follow_up(listing, first)
