"""Rows as the engine sees them, and their stored features."""

from __future__ import annotations

from app.listing_kinds import kind_of
from app.matching import Engine, Features, Listing
from app.models import Capability, Scenario


def side(listing: Scenario | Capability) -> str:
    """'scenario' or 'capability'."""
    return kind_of(listing).name


def document(listing: Scenario | Capability) -> Listing:
    """A listing as the engine sees it: the kind's one mapping (app.listing_kinds.documents)."""
    return kind_of(listing).engine_document(listing)


def features_of(listing: Scenario | Capability, engine: Engine) -> Features:
    """The stored features when current, else computed now (not stored: callers may be reads)."""
    if listing.features:
        try:
            return Features.from_json(listing.features)
        except (ValueError, KeyError, TypeError):
            pass  # stored by an older engine version: recompute
    return engine.features(document(listing))


def store_features(listing: Scenario | Capability, engine: Engine) -> Features:
    """Tokenise a listing once, when it is saved, and keep the result with it."""
    features = engine.features(document(listing))
    listing.features = features.to_json()
    return features
