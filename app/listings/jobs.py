"""Listing work done outside requests: expiry, and what follows a publication."""

from __future__ import annotations

from typing import Any

from flask import current_app

from app.extensions import db
from app.jobs import JobContext, job
from app.listings import services
from app.models import Capability, Scenario


@job("listings.expire", label="场景到期处理")
def expire(ctx: JobContext) -> dict[str, Any]:
    """Mark published scenarios past their application deadline as 已过期."""
    return {"expired": [scenario.id for scenario in services.expire_due()]}


@job("listings.published", label="发布后的推荐匹配与订阅提醒")
def published(ctx: JobContext, side: str, listing_id: int, first: bool) -> dict[str, Any]:
    """What follows a publication: its best pairs queued for review, saved searches alerted.

    Skipped when the listing is no longer published by the time the job runs (withdrawn in
    between); run again, it adds nothing twice (pairs and alerts are checked first).
    """
    from app.recommendations import services as recommendations
    from app.recommendations.levels import review_min_score
    from app.saved_searches import services as saved_searches

    # one get per model: SQLAlchemy's overloads join Scenario | Capability to Base
    listing: Scenario | Capability | None = (
        db.session.get(Scenario, listing_id)
        if side == "scenario"
        else db.session.get(Capability, listing_id)
    )
    if listing is None or not listing.is_published:
        return {"skipped": "no longer published"}
    alerted = saved_searches.alert_for(listing) if first else 0
    queued = recommendations.queue_for(
        listing,
        min_score=review_min_score(),
        top=current_app.config["MATCH_TOP_N"],
    )
    return {"queued_pairs": queued, "alerted_users": alerted}
