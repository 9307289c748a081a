"""What follows a listing becoming public, step by step: its first publication, or an approved
revision of its public text. `published` is the one place that runs them (the review's
approval reaches it through app.listings.services.approve).

In the publishing transaction, so the listing is public everywhere as soon as it commits:
1. index_for_search: its search words (the public text may have changed);
2. tell_matchers: every matcher's live index takes the listing;
3. record_release: its open-data release, which asks for the bulk downloads to be built
   again once the transaction commits (app.open_data.refresh).

In the background job `listings.published`, once that commits (`follow_up`):
4. alert_saved_searches: people whose saved searches it fits (first publication only);
5. queue_matches: its best pairs queued for the administrators' review.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from app.extensions import db
from app.jobs import enqueue
from app.listing_kinds import kind_of
from app.models import Capability, Scenario
from app.open_data import releases
from app.recommendations import provider
from app.recommendations import services as recommendations
from app.recommendations.levels import review_min_score
from app.saved_searches import services as saved_searches
from app.search import services as search

Listing = Scenario | Capability
FOLLOW_UP = "listings.published"


def published(listing: Listing, first: bool) -> None:
    """Run the steps of a publication in this transaction, and queue the rest for after it."""
    index_for_search(listing)
    tell_matchers(listing)
    record_release(listing, first)
    db.session.flush()
    enqueue(FOLLOW_UP, side=kind_of(listing).name, listing_id=listing.id, first=first)


def follow_up(listing: Listing, first: bool) -> dict[str, Any]:
    """The background steps of a publication (the `listings.published` job)."""
    alerted = alert_saved_searches(listing) if first else 0
    queued = queue_matches(listing)
    return {"queued_pairs": queued, "alerted_users": alerted}


def index_for_search(listing: Listing) -> None:
    """Store the listing's search words."""
    search.index_listing(listing)


def tell_matchers(listing: Listing) -> None:
    """Have every matcher index the listing (applied once committed)."""
    provider.record_change(listing)


def record_release(listing: Listing, first: bool) -> None:
    """Add its open-data release: a publication, or a revision."""
    releases.record(listing, "publication" if first else "revision")


def alert_saved_searches(listing: Listing) -> int:
    """Alert the users whose saved searches the listing fits; how many."""
    return saved_searches.alert_for(listing)


def queue_matches(listing: Listing) -> int:
    """Queue the listing's best pairs for review; how many were added."""
    return recommendations.queue_for(
        listing, min_score=review_min_score(), top=current_app.config["MATCH_TOP_N"]
    )
