"""The one way other features reach the matching engine.

- `engine()` and `tokenizer()`: the engine of the current vocabulary, for tokenising a listing
  when it is saved or imported, and a search query;
- `refresh_features(listing)`: tokenise a saved listing and keep its features with it;
- `record_change(listing, op)`: tell every matcher's live index that a listing changed;
- `score(listing, candidates)`: the engine's score of one listing against a few others;
- `MatchingUnavailable`: the matching process cannot answer now.

The recommendations feature itself (app.recommendations.services) ranks, records and queues
pairs for review; the matching process (app.matching_service) and the engine's builds
(app.engine_builds) are the engine's own parts and reach its state directly.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app

from app.extensions import db
from app.matching import Engine, Match, Tokenizer
from app.models import Capability, MatchChange, Scenario
from app.recommendations.client import MatchingUnavailable
from app.recommendations.documents import document, side, store_features
from app.recommendations.live import live

__all__ = [
    "MatchingUnavailable",
    "engine",
    "record_change",
    "refresh_features",
    "score",
    "store_features",
    "tokenizer",
]


def engine() -> Engine:
    """The engine of the current vocabulary (seed dictionary plus administrators' words)."""
    return live(current_app).engine()


def tokenizer() -> Tokenizer:
    """The current engine's tokenizer."""
    return engine().tokenizer


def refresh_features(listing: Scenario | Capability) -> None:
    """Tokenise a listing now that it was saved, and keep the tokens with it."""
    db.session.flush()  # relationships (tags, organisation) must be loaded for the document
    store_features(listing, engine())


def record_change(listing: Scenario | Capability, op: str = "upsert") -> None:
    """Tell every matcher that a listing changed (applied once committed)."""
    db.session.add(MatchChange(side=side(listing), listing_id=listing.id, op=op))


def score(
    listing: Scenario | Capability, candidates: Sequence[Scenario | Capability]
) -> list[Match]:
    """The engine's score of the listing against each candidate, best first."""
    answer = live(current_app).client().score(document(listing), [document(c) for c in candidates])
    return list(answer.matches)
