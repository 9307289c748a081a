"""Shared steps of the open-data tests: listings taken through the real lifecycle."""

from __future__ import annotations

from typing import Any

from app.extensions import db
from app.listing_kinds.versions import input_of
from app.listings import services
from app.models import Capability, ListingStatus, Role, Scenario, User
from tests.factories import make_capability, make_org, make_scenario, make_user


def owner_of(listing: Scenario | Capability) -> User:
    """A user of the listing's organisation."""
    role = Role.PUBLISHER if isinstance(listing, Scenario) else Role.FIRM
    return make_user(listing.organization, role)


def submitted(listing: Scenario | Capability) -> Scenario | Capability:
    """A draft sent to review by its owner."""
    services.submit(owner_of(listing), listing)
    db.session.commit()
    return listing


def published_scenario(admin: User, **fields: Any) -> Scenario:
    """A scenario submitted and approved (its publication release is recorded)."""
    scenario = submitted(make_scenario(make_org(Role.PUBLISHER), ListingStatus.DRAFT, **fields))
    services.approve(admin, scenario)
    db.session.commit()
    return scenario  # type: ignore[return-value]


def published_capability(admin: User, **fields: Any) -> Capability:
    """A capability submitted and approved."""
    capability = submitted(make_capability(make_org(Role.FIRM), ListingStatus.DRAFT, **fields))
    services.approve(admin, capability)
    db.session.commit()
    return capability  # type: ignore[return-value]


def revise(admin: User, listing: Scenario | Capability, **changes: Any) -> None:
    """The owner edits a published listing and an administrator approves the revision."""
    data = input_of(listing)
    services.save(owner_of(listing), listing, type(data)(**{**data.__dict__, **changes}), None)
    db.session.commit()
    services.approve(admin, listing)
    db.session.commit()
