"""Rows as the engine sees them, and their stored features."""

from __future__ import annotations

from app.matching import Engine, Features, Listing
from app.models import Capability, Scenario

SIDE_OF = {Scenario: "scenario", Capability: "capability"}


def side(listing: Scenario | Capability) -> str:
    """'scenario' or 'capability'."""
    return SIDE_OF[type(listing)]


def scenario_doc(scenario: Scenario) -> Listing:
    """A scenario as the engine sees it."""
    text = "\n".join(p for p in (scenario.description, scenario.needs, scenario.expected) if p)
    return Listing(
        id=str(scenario.id),
        title=scenario.title,
        description=text,
        tags=tuple(scenario.tag_names),
        domains=(scenario.domain,),
        district=scenario.district,
    )


def capability_doc(capability: Capability) -> Listing:
    """A capability as the engine sees it."""
    return Listing(
        id=str(capability.id),
        title=capability.title,
        description=capability.description,
        tags=tuple(capability.tag_names + capability.keyword_list),
        domains=tuple(capability.domain_names),
        district=capability.organization.district,
        is_local=capability.organization.is_local,
    )


def document(listing: Scenario | Capability) -> Listing:
    """Either kind of listing as the engine sees it."""
    return scenario_doc(listing) if isinstance(listing, Scenario) else capability_doc(listing)


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
