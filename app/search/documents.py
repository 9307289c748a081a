"""Listings as search records: their tokens (stored once) and their filter and sort values."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.matching import Tokenizer
from app.models import (
    Capability,
    ListingStatus,
    Scenario,
    SearchDocument,
    TaxonomyTerm,
)
from app.models.listing import capability_domains, capability_tags, scenario_tags
from app.search.index import NO_DEADLINE, SEP, Columns, Record, facet

Listing = Scenario | Capability
SIDES: dict[str, type[Scenario] | type[Capability]] = {
    "scenario": Scenario,
    "capability": Capability,
}


def side_of(listing: Listing) -> str:
    """'scenario' or 'capability'."""
    return "scenario" if isinstance(listing, Scenario) else "capability"


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
    """Cut a listing's text and keep the tokens (called when it is published)."""
    title, body = tokens_of(listing, tokenizer)
    session.merge(
        SearchDocument(
            side=side_of(listing),
            listing_id=listing.id,
            title_tokens=" ".join(title),
            body_tokens=" ".join(body),
        )
    )


def seconds(moment: datetime | None) -> float:
    """POSIX seconds; SQLite hands back naive UTC datetimes."""
    if moment is None:
        return 0.0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _amount(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _ordinal(value: date | None) -> int | None:
    return None if value is None else value.toordinal()


def scenario_record(
    row: sa.Row | Scenario, tags: Iterable[str], tokens: tuple[tuple[str, ...], tuple[str, ...]]
) -> Record:
    """A scenario (a row of its columns, or the object) as the index keeps it."""
    low = _amount(row.budget_wan)
    high = _amount(row.budget_max_wan)
    return Record(
        listing_id=row.id,
        org_id=row.organization_id,
        published=seconds(row.published_at),
        deadline=_ordinal(row.deadline),
        budget_low=low,
        budget_high=high if high is not None else low,
        facets=frozenset(
            [
                facet("domain", row.domain),
                facet("district", row.district),
                facet("opening_method", row.opening_method),
                *(facet("tag", name) for name in tags),
            ]
        ),
        title_tokens=tokens[0],
        body_tokens=tokens[1],
    )


def capability_record(
    row: sa.Row | Capability,
    tags: Iterable[str],
    domains: Iterable[str],
    tokens: tuple[tuple[str, ...], tuple[str, ...]],
) -> Record:
    """A capability as the index keeps it (its district is its firm's: filtered by org)."""
    return Record(
        listing_id=row.id,
        org_id=row.organization_id,
        published=seconds(row.published_at),
        facets=frozenset(
            [*(facet("tag", name) for name in tags), *(facet("domain", name) for name in domains)]
        ),
        title_tokens=tokens[0],
        body_tokens=tokens[1],
    )


def record_of(listing: Listing, tokenizer: Tokenizer) -> Record:
    """A listing object as a record, its tokens cut now."""
    tokens = tokens_of(listing, tokenizer)
    if isinstance(listing, Scenario):
        return scenario_record(listing, listing.tag_names, tokens)
    return capability_record(listing, listing.tag_names, listing.domain_names, tokens)


def _terms(session: Session, link: sa.Table, owner: str, model: type) -> dict[int, list[str]]:
    """Term names per published listing, from one link table."""
    owner_col = link.c[f"{owner}_id"]
    query = (
        sa.select(owner_col, TaxonomyTerm.name)
        .join(TaxonomyTerm, TaxonomyTerm.id == link.c.term_id)
        .join(model, model.id == owner_col)
        .where(model.status == ListingStatus.PUBLISHED)
        .order_by(TaxonomyTerm.position)
    )
    found: dict[int, list[str]] = defaultdict(list)
    for listing_id, name in session.connection().execute(query).all():
        found[listing_id].append(name)
    return found


def _stored_strings(session: Session, side: str, model: type) -> dict[int, tuple[str, str]]:
    query = (
        sa.select(
            SearchDocument.listing_id, SearchDocument.title_tokens, SearchDocument.body_tokens
        )
        .join(model, model.id == SearchDocument.listing_id)
        .where(SearchDocument.side == side, model.status == ListingStatus.PUBLISHED)
    )
    return {
        listing_id: (title, body)
        for listing_id, title, body in session.connection().execute(query).all()
    }


def _cut_missing(
    session: Session, model: type, ids: list[int], tokenizer: Tokenizer
) -> dict[int, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Tokens of listings published without a stored document (demo data, older rows)."""
    if not ids:
        return {}
    options = [selectinload(model.organization), selectinload(model.tags)]
    if model is Capability:
        options += [selectinload(Capability.domains), selectinload(Capability.cases)]
    rows = session.scalars(sa.select(model).where(model.id.in_(ids)).options(*options))
    return {row.id: tokens_of(row, tokenizer) for row in rows}


def _column(values: list[Any], dtype: Any) -> np.ndarray:
    return np.asarray(values, dtype=dtype)


def load_columns(session: Session, side: str, tokenizer: Tokenizer) -> Columns:
    """Every published listing of one side, column by column (a few bulk queries)."""
    model = SIDES[side]
    if side == "scenario":
        query = sa.select(
            Scenario.id,
            Scenario.organization_id,
            Scenario.published_at,
            Scenario.deadline,
            Scenario.budget_wan,
            Scenario.budget_max_wan,
            Scenario.domain,
            Scenario.district,
            Scenario.opening_method,
        )
        tags = _terms(session, scenario_tags, "scenario", Scenario)
        domains: dict[int, list[str]] = {}
    else:
        query = sa.select(Capability.id, Capability.organization_id, Capability.published_at)
        tags = _terms(session, capability_tags, "capability", Capability)
        domains = _terms(session, capability_domains, "capability", Capability)
    rows = (
        session.connection()
        .execute(  # Core rows: no ORM overhead
            query.where(model.status == ListingStatus.PUBLISHED).order_by(model.id)
        )
        .all()
    )
    stored = _stored_strings(session, side, model)
    missing = [row.id for row in rows if row.id not in stored]
    for start in range(0, len(missing), 500):
        cut = _cut_missing(session, model, missing[start : start + 500], tokenizer)
        stored.update({i: (" ".join(t), " ".join(b)) for i, (t, b) in cut.items()})
    scenario = side == "scenario"
    facets = []
    for row in rows:
        keys = [facet("tag", name) for name in tags.get(row.id, ())]
        keys += [facet("domain", name) for name in domains.get(row.id, ())]
        if scenario:
            keys += [facet("domain", row.domain), facet("district", row.district)]
            keys.append(facet("opening_method", row.opening_method))
        facets.append(SEP.join(keys))
    low = [_amount(row.budget_wan) if scenario else None for row in rows]
    high = [_amount(row.budget_max_wan) if scenario else None for row in rows]
    return Columns(
        ids=_column([row.id for row in rows], np.int64),
        org=_column([row.organization_id for row in rows], np.int64),
        published=_column([seconds(row.published_at) for row in rows], np.float64),
        deadline=_column(
            [
                row.deadline.toordinal() if scenario and row.deadline else NO_DEADLINE
                for row in rows
            ],
            np.int64,
        ),
        low=_column([math.nan if v is None else v for v in low], np.float64),
        high=_column(
            [
                math.nan if h is None and v is None else (v if h is None else h)
                for v, h in zip(low, high, strict=True)
            ],
            np.float64,
        ),
        facets=facets,
        title=[stored[row.id][0] for row in rows],
        body=[stored[row.id][1] for row in rows],
    )
