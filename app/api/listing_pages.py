"""Published scenarios and capabilities for the API: keyset pages over the list pages' search
(app.search: the same filters, words and conditions), single listings, their public form."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from flask import url_for

from app import clock
from app.extensions import db
from app.models import Capability, Organization, Scenario
from app.open_data.identifiers import public_id
from app.paging import MAX_ID
from app.search import services as search
from app.search.documents import SIDES, Listing
from app.search.filters import Filters
from app.search.queries import Slice, filter_conditions, listed, sort_keys
from app.search.words import WordSearch, known_words
from app.template_helpers import mask_email, mask_phone

Position = list[Any]  # [published_at ISO 8601, id] of the last listing of a page
ORDER = "newest"  # published_at descending, then id descending: unique and stable


def filters_from(args: Mapping[str, Any], side: str) -> Filters:
    """The list page's Filters from validated API arguments (bounded the same way)."""
    text = {
        name: ("1" if value is True else "" if value is False else str(value))
        for name, value in args.items()
        if name not in ("limit", "cursor") and value is not None
    }
    return Filters.from_args(text).for_side(side)


def _after(side: str, position: Position) -> sa.ColumnElement[bool]:
    """Listings after a position in the order (older, or as old with a lower id)."""
    model = SIDES[side]
    published, listing_id = position
    if published is None:
        return sa.and_(model.published_at.is_(None), model.id < listing_id)
    moment = datetime.fromisoformat(published)
    return sa.or_(
        model.published_at < moment,
        sa.and_(model.published_at == moment, model.id < listing_id),
    )


def valid_position(position: Any) -> bool:
    """Whether a decoded cursor holds a position of a listing list."""
    if not (isinstance(position, list) and len(position) == 2):
        return False
    published, listing_id = position
    if not isinstance(listing_id, int) or not 0 < listing_id <= MAX_ID:
        return False
    if published is None:
        return True
    try:
        datetime.fromisoformat(published)
    except (TypeError, ValueError):
        return False
    return True


def page(
    side: str, filters: Filters, limit: int, after: Position | None
) -> tuple[list[Listing], Position | None]:
    """Up to `limit` listed listings after a position, newest first, and the next position."""
    today = clock.today()
    conditions = filter_conditions(side, filters, today)
    if after is not None:
        conditions.append(_after(side, after))
    if filters.q:
        terms = search.query_tokens(filters.q, search.tokenizer(), known_words(side))
        if not terms:
            return [], None
        _total, rows = WordSearch(side, conditions, terms, today).in_order(ORDER, 0, limit + 1)
    else:
        where = [listed(side, today), *conditions]
        rows = Slice(0, limit + 1, limit + 1).rows(side, where, sort_keys(side, ORDER))
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], [_iso(last.published_at), last.id]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def get(side: str, listing_id: int) -> Listing | None:
    """A listed listing by id (published, and for a scenario not past its deadline)."""
    if not 0 < listing_id <= MAX_ID:
        return None
    model = SIDES[side]
    query = sa.select(model).where(model.id == listing_id, model.open_clause())
    # SQLAlchemy's overloads join Scenario | Capability to Base
    return cast("Listing | None", db.session.scalar(query))


# ---------------------------------------------------------------- the public form


def org_ref(org: Organization) -> dict[str, Any]:
    """The organisation behind a listing, as anyone sees it."""
    return {
        "id": org.id,
        "name": org.name,
        "is_local": org.is_local,
        "url": url_for("organizations.detail", org_id=org.id, _external=True),
    }


def contact(name: str, phone: str, email: str) -> dict[str, str]:
    """Contacts as an anonymous visitor sees them on the public pages (masked)."""
    return {
        "name": name,
        "phone": mask_phone(phone) if phone else "",
        "email": mask_email(email) if email else "",
    }


def _amount(value: Any) -> float | None:
    return float(value) if value is not None else None


def scenario_summary(s: Scenario) -> dict[str, Any]:
    """A scenario in a list."""
    return {
        "id": public_id("scenario", s.id),
        "url": url_for("portal.scenario_detail", scenario_id=s.id, _external=True),
        "title": s.title,
        "domain": s.domain,
        "district": s.district,
        "technologies": s.tag_names,
        "opening_method": s.opening_method,
        "budget_min_wan": _amount(s.budget_wan),
        "budget_max_wan": _amount(
            s.budget_max_wan if s.budget_max_wan is not None else s.budget_wan
        ),
        "deadline": s.deadline,
        "publisher": org_ref(s.organization),
        "published_at": s.published_at,
        "updated_at": s.updated_at,
    }


def scenario_detail(s: Scenario) -> dict[str, Any]:
    """A scenario with its texts and masked contact."""
    return {
        **scenario_summary(s),
        "description": s.description,
        "needs": s.needs,
        "expected": s.expected,
        "contact": contact(s.contact_name, s.contact_phone, s.contact_email),
    }


def capability_summary(c: Capability) -> dict[str, Any]:
    """A capability in a list."""
    return {
        "id": public_id("capability", c.id),
        "url": url_for("portal.capability_detail", capability_id=c.id, _external=True),
        "title": c.title,
        "type": c.cap_type,
        "maturity": c.maturity,
        "domains": c.domain_names,
        "technologies": c.tag_names,
        "firm": org_ref(c.organization),
        "published_at": c.published_at,
        "updated_at": c.updated_at,
    }


def capability_detail(c: Capability) -> dict[str, Any]:
    """A capability with its texts, reference cases and the firm's masked contact."""
    firm = c.organization
    return {
        **capability_summary(c),
        "description": c.description,
        "keywords": c.keyword_list,
        "qualifications": c.qualifications,
        "reference_cases": [
            {"client": r.client, "year": r.year, "result": r.result} for r in c.cases
        ],
        "contact": contact(firm.contact_name, firm.contact_phone, firm.contact_email),
    }
