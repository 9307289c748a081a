"""A listing's content as the matching engine sees it: the one mapping for every writer.

A listing saved through the form, approved, re-featurised or imported from a spreadsheet is
turned into an engine document here, from its *content*: a mapping of field names to values
(term lists as names in taxonomy order), plus the owning organisation's district and locality
under ORG_DISTRICT and ORG_LOCAL. Rows give their columns, models give their attributes
(scenario_content, capability_content); the same content always gives the same document.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.matching import Listing
from app.models.listing import Capability, Scenario, split_keywords

ORG_DISTRICT = "organization_district"
ORG_LOCAL = "organization_is_local"
Content = Mapping[str, Any]


def scenario_document(content: Content, listing_id: str = "0") -> Listing:
    """A scenario: its situation, needs and expected results are one text; its own district."""
    parts = (content["description"], content.get("needs"), content.get("expected"))
    return Listing(
        id=listing_id,
        title=content["title"],
        description="\n".join(p for p in parts if p),
        tags=tuple(content["tags"]),
        domains=(content["domain"],),
        district=content["district"],
    )


def capability_document(content: Content, listing_id: str = "0") -> Listing:
    """A capability: free keywords count as tags; district and locality are the firm's."""
    keywords = [k for k in split_keywords(content.get("keywords") or "") if k]
    return Listing(
        id=listing_id,
        title=content["title"],
        description=content["description"],
        tags=(*content["tags"], *keywords),
        domains=tuple(content["domains"]),
        district=content[ORG_DISTRICT],
        is_local=content[ORG_LOCAL],
    )


def scenario_content(scenario: Scenario) -> dict[str, Any]:
    """The fields of a stored scenario its document reads."""
    return {
        "title": scenario.title,
        "description": scenario.description,
        "needs": scenario.needs,
        "expected": scenario.expected,
        "tags": scenario.tag_names,
        "domain": scenario.domain,
        "district": scenario.district,
    }


def capability_content(capability: Capability) -> dict[str, Any]:
    """The fields of a stored capability its document reads, with its firm's place."""
    return {
        "title": capability.title,
        "description": capability.description,
        "tags": capability.tag_names,
        "domains": capability.domain_names,
        "keywords": capability.keywords,
        ORG_DISTRICT: capability.organization.district,
        ORG_LOCAL: capability.organization.is_local,
    }
