"""Listings as search documents (their tokens, stored once) and as records (one listing's
filter values and words, checked in Python against saved searches when it is published)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any

from sqlalchemy.orm import Session

from app.lexemes import can_be_part, joined_parts, lexemes
from app.listing_kinds import KINDS, kind_of
from app.matching import Tokenizer
from app.models import Capability, ListingStatus, Scenario, SearchDocument

Listing = Scenario | Capability
SIDES: dict[str, type[Scenario] | type[Capability]] = {kind.name: kind.model for kind in KINDS}


def side_of(listing: Listing) -> str:
    """'scenario' or 'capability'."""
    return kind_of(listing).name


def texts(listing: Listing) -> tuple[str, list[str]]:
    """The title, and every other text people may search a listing by."""
    org = listing.organization.name if listing.organization else ""
    names = [t.name for t in listing.tags]
    if isinstance(listing, Scenario):
        body = [listing.description, listing.needs, listing.expected, listing.domain]
        body += [listing.district, listing.opening_method, org, *names]
    else:
        body = [listing.description, listing.keywords, listing.qualifications, listing.cap_type]
        body += [listing.maturity, org, *names, *(d.name for d in listing.domains)]
        body += [case.client for case in listing.cases]
    return listing.title, [text for text in body if text]


def tokens_of(listing: Listing, tokenizer: Tokenizer) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Distinct title tokens and body tokens, in first-seen order."""
    title, body = texts(listing)
    cut = tokenizer.tokens_many([title, *body])
    body_tokens = dict.fromkeys(token for part in cut[1:] for token in part)
    return tuple(dict.fromkeys(cut[0])), tuple(body_tokens)


def store_document(session: Session, listing: Listing, tokenizer: Tokenizer) -> None:
    """Cut a published listing's text and keep the tokens (when it is published or its text
    changes); the database indexes them in the same statement.

    Only published listings have a document (the database deletes it when the listing
    leaves publication): the full-text index then counts search results by itself.
    """
    if listing.status is not ListingStatus.PUBLISHED:
        return
    title, body = tokens_of(listing, tokenizer)
    session.merge(
        SearchDocument(
            side=side_of(listing),
            listing_id=listing.id,
            title_tokens=" ".join(title),
            body_tokens=" ".join(body),
        )
    )


def document_row(side: str, listing_id: int, title_tokens: str, body_tokens: str) -> dict[str, Any]:
    """A search_documents row for bulk inserts (which bypass the model's parts validator)."""
    return {
        "side": side,
        "listing_id": listing_id,
        "title_tokens": title_tokens,
        "body_tokens": body_tokens,
        "title_parts": joined_parts(title_tokens),
        "body_parts": joined_parts(body_tokens),
    }


@dataclass(frozen=True)
class Record:
    """One listing as a saved search sees it: filter values, facets and words."""

    listing_id: int
    org_id: int
    deadline: date | None = None
    budget_low: Decimal | None = None  # 万元
    budget_high: Decimal | None = None
    facets: frozenset[str] = frozenset()  # "domain:智慧交通", "tag:人工智能" …
    title_tokens: tuple[str, ...] = ()
    body_tokens: tuple[str, ...] = ()

    @cached_property
    def lexemes(self) -> dict[str, set[str]]:
        """Its words by class, as the database indexes them."""
        return lexemes(self.title_tokens, self.body_tokens)

    def holds(self, term: str) -> bool:
        """Whether a search term finds this listing (a whole word, or inside one)."""
        found = self.lexemes
        if term in found["title_tokens"] or term in found["body_tokens"]:
            return True
        return can_be_part(term) and (term in found["title_parts"] or term in found["body_parts"])


def facet(kind: str, value: str) -> str:
    """The key of one facet value."""
    return f"{kind}:{value}"


def record_of(listing: Listing, tokenizer: Tokenizer) -> Record:
    """A listing object as a record, its tokens cut now."""
    title, body = tokens_of(listing, tokenizer)
    keys = [facet("tag", name) for name in listing.tag_names]
    if isinstance(listing, Scenario):
        keys += [facet("domain", listing.domain), facet("district", listing.district)]
        keys.append(facet("opening_method", listing.opening_method))
        low, high = listing.budget_wan, listing.budget_max_wan
        return Record(
            listing.id,
            listing.organization_id,
            listing.deadline,
            low,
            high if high is not None else low,
            frozenset(keys),
            title,
            body,
        )
    keys += [facet("domain", name) for name in listing.domain_names]
    return Record(
        listing.id,
        listing.organization_id,
        facets=frozenset(keys),
        title_tokens=title,
        body_tokens=body,
    )
