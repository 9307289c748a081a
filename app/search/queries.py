"""The SQL of a list page: filters as conditions, the orders, one page of rows (app.search)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.sql.base import ExecutableOption

from app import clock
from app.extensions import db
from app.models import (
    Capability,
    ListingCount,
    ListingStatus,
    Organization,
    Scenario,
    TaxonomyTerm,
)
from app.models.listing import capability_domains, capability_tags, scenario_tags
from app.models.search import budget_high
from app.organizations.queries import holding_honour
from app.search.documents import SIDES, Listing
from app.search.filters import Filters


def _term_ids(link: sa.Table, owner: str, kind: str, name: str) -> sa.Select[Any]:
    """Ids of the listings linked to the taxonomy term of that kind and name."""
    term = sa.select(TaxonomyTerm.id).where(TaxonomyTerm.kind == kind, TaxonomyTerm.name == name)
    return sa.select(link.c[f"{owner}_id"]).where(link.c.term_id == term.scalar_subquery())


def _org_conditions(filters: Filters, side: str) -> list[sa.ColumnElement[bool]]:
    """Conditions on the listing's organisation (read at query time: firms change)."""
    conditions: list[sa.ColumnElement[bool]] = []
    if filters.local:
        conditions.append(Organization.is_local.is_(True))
    if side == "capability" and filters.district:
        conditions.append(Organization.district == filters.district)
    if filters.honour:
        conditions.append(Organization.id.in_(holding_honour(filters.honour)))
    return conditions


def _scenario_conditions(filters: Filters, today: date) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if filters.domain:
        conditions.append(Scenario.domain == filters.domain)
    if filters.district:
        conditions.append(Scenario.district == filters.district)
    if filters.opening_method:
        conditions.append(Scenario.opening_method == filters.opening_method)
    if filters.tag:
        conditions.append(Scenario.id.in_(_term_ids(scenario_tags, "scenario", "tag", filters.tag)))
    if filters.budget_min is not None or filters.budget_max is not None:
        conditions.append(Scenario.budget_wan.is_not(None))  # undisclosed budgets are left out
        if filters.budget_min is not None:
            conditions.append(budget_high() >= filters.budget_min)
        if filters.budget_max is not None:
            conditions.append(Scenario.budget_wan <= filters.budget_max)
    if filters.deadline and filters.deadline != "open":  # 未截止 is every listed scenario
        last = today + timedelta(days=int(filters.deadline))
        conditions.append(Scenario.deadline.between(today, last))
    return conditions


def _capability_conditions(filters: Filters) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if filters.domain:
        ids = _term_ids(capability_domains, "capability", "domain", filters.domain)
        conditions.append(Capability.id.in_(ids))
    if filters.tag:
        ids = _term_ids(capability_tags, "capability", "tag", filters.tag)
        conditions.append(Capability.id.in_(ids))
    return conditions


def filter_conditions(side: str, filters: Filters, today: date) -> list[sa.ColumnElement[bool]]:
    """SQL for every filter but the search words (none: an empty list)."""
    model = SIDES[side]
    if side == "scenario":
        found = _scenario_conditions(filters, today)
    else:
        found = _capability_conditions(filters)
    orgs = _org_conditions(filters, side)
    if orgs:
        found.append(model.organization_id.in_(sa.select(Organization.id).where(*orgs)))
    return found


def listed(side: str, today: date, by_id: bool = False) -> sa.ColumnElement[bool]:
    """Published and, for a scenario, not past its deadline (even before the expiry sweep).

    by_id: the listings are given by their ids (a few), so the status is put in a form no
    index serves: SQLite's planner otherwise walks the status index to its end to avoid
    sorting a handful of rows (13 ms instead of 0.05 ms at 100,000).
    """
    model = SIDES[side]
    status = sa.func.coalesce(model.status, model.status) if by_id else model.status
    if side == "scenario":
        return sa.and_(
            status == ListingStatus.PUBLISHED,
            sa.or_(Scenario.deadline.is_(None), Scenario.deadline >= today),
        )
    return status == ListingStatus.PUBLISHED


def listed_count(side: str, today: date) -> sa.ColumnElement[int]:
    """How many listings of a side are listed: the published count the database keeps
    (listing_counts), less the scenarios past their deadline not yet swept (an index range,
    empty once the daily sweep has run)."""
    published = sa.select(sa.func.coalesce(sa.func.sum(ListingCount.published), 0)).where(
        ListingCount.side == side
    )
    if side == "capability":
        return published.scalar_subquery()
    late = sa.select(sa.func.count()).select_from(Scenario).where(past_deadline(today))
    return published.scalar_subquery() - late.scalar_subquery()


def past_deadline(today: date) -> sa.ColumnElement[bool]:
    """Published scenarios the expiry sweep has not reached yet: few (a day's worth)."""
    return sa.and_(Scenario.status == ListingStatus.PUBLISHED, Scenario.deadline < today)


@dataclass(frozen=True)
class SortKey:
    """One ORDER BY term, which can be read backwards (for pages past the middle)."""

    expression: sa.SQLColumnExpression[Any]
    descending: bool
    nulls_last: bool | None = None  # None: the database's default

    def clause(self, backwards: bool = False) -> sa.ColumnElement[Any]:
        """The ORDER BY element, reversed when reading from the end."""
        descending = self.descending != backwards
        clause = self.expression.desc() if descending else self.expression.asc()
        if self.nulls_last is None:
            return clause
        last = self.nulls_last != backwards
        return clause.nulls_last() if last else clause.nulls_first()


def sort_keys(side: str, sort: str) -> list[SortKey]:
    """The order of a list (each walks an index of LIST_INDEXES); ties fall back to newest
    first, then the highest id. Relevance orders levels of results, each newest first."""
    model = SIDES[side]
    newest = [SortKey(model.published_at, True), SortKey(model.id, True)]
    if sort == "deadline" and side == "scenario":
        return [SortKey(Scenario.deadline, False, nulls_last=True), *newest]  # none: last
    if sort == "budget" and side == "scenario":
        # 面议 last: the IS NULL key puts NULLs in the same place on both databases
        return [SortKey(budget_high().is_(None), False), SortKey(budget_high(), True), *newest]
    return newest


def card_options(side: str) -> list[ExecutableOption]:
    """What the result cards show, loaded with the page: one query per list, not per card."""
    model = SIDES[side]
    if model is Scenario:  # a scenario card names its organisation, without honours
        return [
            joinedload(Scenario.organization).lazyload(Organization.honours),
            selectinload(Scenario.tags),
        ]
    return [
        joinedload(Capability.organization),  # its honours: one more query (lazy="selectin")
        selectinload(Capability.tags),
        selectinload(Capability.domains),
    ]


@dataclass(frozen=True)
class Slice:
    """Rows start..end (end excluded) of an ordered set of `size` rows."""

    start: int
    end: int
    size: int

    def _page(
        self, side: str, where: Sequence[sa.ColumnElement[bool]], keys: Sequence[SortKey]
    ) -> tuple[sa.Subquery, list[SortKey], bool] | None:
        """The ordered ids of the slice as a subquery (and its keys, and whether it is read
        backwards), or None when the slice is empty."""
        end = min(self.end, self.size)
        if self.start >= end:
            return None
        model = SIDES[side]
        backwards = self.start > self.size - end
        # ordered by the labels: an expression is computed once a row
        labelled = [
            replace(key, expression=key.expression.label(f"key{n}")) for n, key in enumerate(keys)
        ]
        page = (
            sa.select(model.id, *(key.expression for key in labelled))
            .where(*where)
            .order_by(*(key.clause(backwards) for key in labelled))
            .offset(self.size - end if backwards else self.start)
            .limit(end - self.start)
            .subquery()
        )
        again = [replace(key, expression=page.c[f"key{n}"]) for n, key in enumerate(keys)]
        return page, again, backwards

    def ids(
        self, side: str, where: Sequence[sa.ColumnElement[bool]], keys: Sequence[SortKey]
    ) -> list[int]:
        """The ids of the slice in display order.

        A slice past the middle is read from the other end (fewer rows to skip): the last
        page of 100,000 costs what the first does.
        """
        found = self._page(side, where, keys)
        if found is None:
            return []
        page, again, backwards = found
        query = sa.select(page.c.id).order_by(*(key.clause(backwards) for key in again))
        ids = list(db.session.scalars(query))
        return ids[::-1] if backwards else ids

    def rows(
        self, side: str, where: Sequence[sa.ColumnElement[bool]], keys: Sequence[SortKey]
    ) -> list[Listing]:
        """The listings of the slice in display order, with what their cards show: the ids
        (as ids() reads them) are a subquery of the query loading the rows, one statement."""
        found = self._page(side, where, keys)
        if found is None:
            return []
        page, again, backwards = found
        model = SIDES[side]
        query = (
            sa.select(model)
            .join(page, page.c.id == model.id)
            .order_by(*(key.clause(backwards) for key in again))
            .options(*card_options(side))
        )
        # SQLAlchemy's overloads join Scenario | Capability to Base
        rows = cast("list[Listing]", list(db.session.scalars(query)))
        return rows[::-1] if backwards else rows


def ids_in(column: sa.SQLColumnExpression[int], ids: Sequence[int]) -> sa.ColumnElement[bool]:
    """column IN ids; on PostgreSQL as one array parameter (a thousand parameters cost its
    parser and planner more than the query itself)."""
    if db.engine.dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, list(ids), type_=ARRAY(sa.Integer)))
    return column.in_(ids)


def load(side: str, ids: Sequence[int]) -> list[Listing]:
    """Listings by id, in that order, with what their cards show."""
    if not ids:
        return []
    model = SIDES[side]
    query = sa.select(model).where(ids_in(model.id, ids)).options(*card_options(side))
    # SQLAlchemy's overloads join Scenario | Capability to Base
    found = cast("sa.ScalarResult[Listing]", db.session.scalars(query))
    rows = {row.id: row for row in found}
    return [rows[i] for i in ids if i in rows]


def newest(side: str, limit: int) -> list[Listing]:
    """The newest listed listings of a side (the home page), read from the newest index."""
    where = [listed(side, clock.today())]
    return Slice(0, limit, limit).rows(side, where, sort_keys(side, "newest"))
