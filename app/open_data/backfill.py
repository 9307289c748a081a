"""Releases for listings published before releases were recorded (`flask open-data backfill`,
and every daily open_data.daily run: idempotent, a listing with any release is skipped)."""

from __future__ import annotations

from typing import cast

import sqlalchemy as sa

from app.extensions import db
from app.models import Capability, ListingRelease, ListingStatus, Scenario
from app.open_data.releases import TAG_OF_STATUS, record

CHUNK = 500
# public now, or public once and ended by closing or expiry (a withdrawn listing may never
# have been published: its history is not known, so it is left out)
ONCE_PUBLIC = (ListingStatus.PUBLISHED, ListingStatus.CLOSED, ListingStatus.EXPIRED)


def backfill() -> int:
    """Record a `publication` release (and the ending one) per listing without releases;
    flushed, not committed. Returns how many listings were back-filled."""
    done = 0
    for model in (Scenario, Capability):
        kind = "scenario" if model is Scenario else "capability"
        has_release = (
            sa.select(ListingRelease.id)
            .where(ListingRelease.kind == kind, ListingRelease.listing_id == model.id)
            .exists()
        )
        ids = db.session.scalars(
            sa.select(model.id)
            .where(model.status.in_(ONCE_PUBLIC), model.published_at.is_not(None), ~has_release)
            .order_by(model.id)
        ).all()
        for start in range(0, len(ids), CHUNK):
            chunk = sa.select(model).where(model.id.in_(ids[start : start + CHUNK]))
            # SQLAlchemy's overloads join Scenario | Capability to Base
            for listing in cast(
                "sa.ScalarResult[Scenario | Capability]", db.session.scalars(chunk)
            ):
                _backfill_one(listing)
                done += 1
    return done


def _backfill_one(listing: Scenario | Capability) -> None:
    record(listing, "publication", when=listing.published_at)
    if listing.status in TAG_OF_STATUS:
        record(listing, TAG_OF_STATUS[listing.status], when=listing.updated_at)
