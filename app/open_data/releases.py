"""Releases: what the public saw of a listing at each change of its public state (OCDS-style).

`record` is called by app.listings.services in the transaction of the lifecycle change
(publication, an approved revision, closing, withdrawal of a published listing, expiry), so a
release exists exactly when the change commits. The release holds public fields only, with
the contact's phone and e-mail masked as on the public pages. A compiled record is the latest
release with every earlier one listed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app import listing_kinds as kinds
from app.extensions import db
from app.models import Capability, ListingRelease, ListingStatus, Scenario
from app.models.base import utcnow
from app.models.listing import split_qualifications
from app.open_data.identifiers import Kind, public_id
from app.open_data.schema import SCHEMA_VERSION
from app.template_helpers import mask_email, mask_phone

Listing = Scenario | Capability

STATUS_OF_TAG = {
    "publication": "published",
    "revision": "published",
    "closing": "closed",
    "withdrawal": "withdrawn",
    "expiry": "expired",
}
# the status a listing has after the change each tag names
TAG_OF_STATUS = {
    ListingStatus.CLOSED: "closing",
    ListingStatus.WITHDRAWN: "withdrawal",
    ListingStatus.EXPIRED: "expiry",
}


def kind_of(listing: Listing) -> Kind:
    """'scenario' or 'capability'."""
    return kinds.kind_of(listing).name  # type: ignore[return-value]


def iso(moment: datetime) -> str:
    """A UTC timestamp as RFC 3339 with a Z."""
    return moment.astimezone(utcnow().tzinfo).isoformat(timespec="seconds").replace("+00:00", "Z")


def record(listing: Listing, tag: str, when: datetime | None = None) -> ListingRelease:
    """Add the release of a change to the session (it commits with the change)."""
    from app.open_data.refresh import request_refresh

    if tag not in STATUS_OF_TAG:
        raise ValueError(f"unknown release tag {tag!r}")
    db.session.flush()  # the listing needs its id, its tags their rows
    kind = kind_of(listing)
    ocid = public_id(kind, listing.id)
    number = _last_number(kind, listing.id) + 1
    when = when or utcnow()
    row = ListingRelease(
        ocid=ocid,
        kind=kind,
        listing_id=listing.id,
        number=number,
        tag=tag,
        date=when,
        schema_version=SCHEMA_VERSION,
        release=build(listing, tag, f"{ocid}-{number}", when),
    )
    db.session.add(row)
    request_refresh()
    return row


def record_end(listing: Listing, was_public: bool) -> None:
    """The release of a published listing closed, withdrawn or expired (none otherwise)."""
    if was_public and listing.status in TAG_OF_STATUS:
        record(listing, TAG_OF_STATUS[listing.status])


def _last_number(kind: str, listing_id: int) -> int:
    return db.session.scalar(  # type: ignore[return-value]  # COALESCE(MAX, 0): never NULL
        sa.select(sa.func.coalesce(sa.func.max(ListingRelease.number), 0)).where(
            ListingRelease.kind == kind, ListingRelease.listing_id == listing_id
        )
    )


def build(listing: Listing, tag: str, release_id: str, when: datetime) -> dict[str, Any]:
    """The release document of a listing as it is now (see docs/open-data/)."""
    kind = kind_of(listing)
    body = scenario_fields(listing) if isinstance(listing, Scenario) else capability_fields(listing)
    return {
        "ocid": public_id(kind, listing.id),
        "id": release_id,
        "date": iso(when),
        "tag": [tag],
        "schemaVersion": SCHEMA_VERSION,
        "language": "zh",
        "kind": kind,
        "status": STATUS_OF_TAG[tag],
        "firstPublished": iso(listing.published_at) if listing.published_at else None,
        "publisher": {"name": listing.organization.name},
        kind: body,
    }


def scenario_fields(scenario: Scenario) -> dict[str, Any]:
    """A scenario's public fields, contacts masked as on its public page."""
    return {
        "title": scenario.title,
        "domain": scenario.domain,
        "district": scenario.district,
        "description": scenario.description,
        "needs": scenario.needs or "",
        "expected": scenario.expected or "",
        "technologies": scenario.tag_names,
        "budget": {
            "minWan": _money(scenario.budget_wan),
            "maxWan": _money(scenario.budget_max_wan),
        },
        "openingMethod": scenario.opening_method,
        "deadline": scenario.deadline.isoformat() if scenario.deadline else None,
        "contact": {
            "name": scenario.contact_name or "",
            "phone": mask_phone(scenario.contact_phone) if scenario.contact_phone else "",
            "email": mask_email(scenario.contact_email) if scenario.contact_email else "",
        },
    }


def capability_fields(capability: Capability) -> dict[str, Any]:
    """A capability's public fields."""
    return {
        "title": capability.title,
        "type": capability.cap_type,
        "maturity": capability.maturity,
        "domains": capability.domain_names,
        "technologies": capability.tag_names,
        "description": capability.description,
        "keywords": capability.keyword_list,
        "qualifications": split_qualifications(capability.qualifications or ""),
        "cases": [
            {"client": c.client, "year": c.year, "result": c.result or ""} for c in capability.cases
        ],
    }


def _money(value: Any) -> str | None:
    return None if value is None else f"{value:.2f}"


# ---------------------------------------------------------------- reading


def history(kind: Kind, listing_id: int) -> list[ListingRelease]:
    """Every release of a listing, oldest first (empty: never published)."""
    query = sa.select(ListingRelease).where(
        ListingRelease.kind == kind, ListingRelease.listing_id == listing_id
    )
    return list(db.session.scalars(query.order_by(ListingRelease.number)))


def compile_record(releases: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    """The OCDS-style record: every release, oldest first, and the compiled release (the
    latest release's content: the current public state, tagged 'compiled')."""
    listed = list(releases)
    if not listed:
        return None
    latest = listed[-1]
    compiled = {**latest, "id": f"{latest['ocid']}-compiled", "tag": ["compiled"]}
    return {"ocid": latest["ocid"], "releases": listed, "compiledRelease": compiled}
