"""The published listings a spreadsheet export holds: the list page's filters, newest first."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, selectinload

from app.models import (
    Capability,
    ListingStatus,
    Organization,
    Scenario,
    TaxonomyTerm,
)
from app.search.filters import Filters


def _mentions(text: str, *columns: InstrumentedAttribute[str]) -> sa.ColumnElement[bool]:
    """Any of the columns contains the text (case-insensitive, wildcards taken literally)."""
    return sa.or_(*(column.icontains(text, autoescape=True) for column in columns))


def scenario_query(filters: Filters) -> sa.Select[Scenario]:
    """Published scenarios matching the filters, newest first."""
    query = (
        sa.select(Scenario)
        .where(Scenario.open_clause())  # published and not past its deadline
        .options(selectinload(Scenario.tags), selectinload(Scenario.organization))
    )
    if filters.q:
        query = query.where(
            _mentions(filters.q, Scenario.title, Scenario.description, Scenario.needs)
        )
    if filters.domain:
        query = query.where(Scenario.domain == filters.domain)
    if filters.district:
        query = query.where(Scenario.district == filters.district)
    return query.order_by(Scenario.published_at.desc(), Scenario.id.desc())


def capability_query(filters: Filters) -> sa.Select[Capability]:
    """Published capabilities matching the filters, newest first."""
    query = (
        sa.select(Capability)
        .join(Capability.organization)
        .where(Capability.status == ListingStatus.PUBLISHED)
        .options(
            selectinload(Capability.tags),
            selectinload(Capability.domains),
            selectinload(Capability.organization),
        )
    )
    if filters.q:
        columns = (Capability.title, Capability.description, Capability.keywords)
        query = query.where(_mentions(filters.q, *columns, Organization.name))
    if filters.domain:
        query = query.where(
            Capability.domains.any(
                sa.and_(TaxonomyTerm.kind == "domain", TaxonomyTerm.name == filters.domain)
            )
        )
    if filters.district:
        query = query.where(Organization.district == filters.district)
    return query.order_by(Capability.published_at.desc(), Capability.id.desc())
