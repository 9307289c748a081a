"""Queries behind the industry map: cluster counts by chain and district, and firm cards."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.dashboard import figures
from app.extensions import db
from app.models import Capability, ListingStatus, Organization
from app.organizations.queries import holding_honour

NO_CHAIN = "未填写产业链"
LOCAL_CHOICES = {"1": True, "0": False}


@dataclass(frozen=True)
class IndustryFilters:
    """What a visitor narrows the map to; unknown values simply match nothing."""

    chain: str = ""
    district: str = ""
    honour: str = ""
    local: str = ""  # "" any, "1" local firms, "0" firms from elsewhere

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> IndustryFilters:
        """Read and bound the query string."""

        def arg(name: str) -> str:
            return (args.get(name) or "").strip()[:30]

        local = arg("local")
        return cls(
            arg("chain"), arg("district"), arg("honour"), local if local in LOCAL_CHOICES else ""
        )

    @property
    def active(self) -> bool:
        """Whether any filter is set."""
        return bool(self.chain or self.district or self.honour or self.local)


@dataclass(frozen=True)
class FirmCard:
    """One firm on the map with its honours and published capabilities."""

    id: int
    name: str
    chain: str
    district: str
    is_local: bool
    honours: tuple[str, ...]
    capabilities: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class ClusterGrid:
    """Firm counts by chain (rows) and district (columns), with totals."""

    chains: tuple[str, ...]
    districts: tuple[str, ...]
    counts: Mapping[tuple[str, str], int]
    total: int

    def count(self, chain: str, district: str) -> int:
        """Firms of one chain in one district."""
        return self.counts.get((chain, district), 0)

    def chain_total(self, chain: str) -> int:
        """Firms of one chain."""
        return sum(n for (c, _), n in self.counts.items() if c == chain)

    def district_total(self, district: str) -> int:
        """Firms in one district."""
        return sum(n for (_, d), n in self.counts.items() if d == district)


def _chain_label() -> sa.ColumnElement[str]:
    return sa.func.coalesce(Organization.industry_chain, NO_CHAIN)


def _where(filters: IndustryFilters) -> list[sa.ColumnElement[bool]]:
    conditions = figures.firm_clause()  # the home page's 入驻数字企业, narrowed
    if filters.chain:
        conditions.append(_chain_label() == filters.chain)
    if filters.district:
        conditions.append(Organization.district == filters.district)
    if filters.local:
        conditions.append(Organization.is_local.is_(LOCAL_CHOICES[filters.local]))
    if filters.honour:
        conditions.append(Organization.id.in_(holding_honour(filters.honour)))
    return conditions


def cluster_grid(
    filters: IndustryFilters, chain_order: Sequence[str], district_order: Sequence[str]
) -> ClusterGrid:
    """Approved firms counted by chain and district (one GROUP BY), in taxonomy order."""
    chain = _chain_label()
    query = (
        sa.select(chain, Organization.district, sa.func.count(Organization.id))
        .where(*_where(filters))
        .group_by(chain, Organization.district)
    )
    counts = {(c, d): int(n) for c, d, n in db.session.execute(query)}
    present_chains = {c for c, _ in counts}
    present_districts = {d for _, d in counts}
    chains = [c for c in chain_order if c in present_chains]
    chains += sorted(present_chains - set(chains))
    districts = [d for d in district_order if d in present_districts]
    districts += sorted(present_districts - set(districts))
    return ClusterGrid(tuple(chains), tuple(districts), counts, sum(counts.values()))


def firm_query(
    filters: IndustryFilters, chain_order: Sequence[str] = ()
) -> sa.Select[Organization]:
    """Approved firms matching the filters, by chain (taxonomy order) then name (for paging)."""
    position = sa.case(
        {name: i for i, name in enumerate(chain_order)},
        value=_chain_label(),
        else_=len(chain_order),
    )
    return (
        sa.select(Organization)
        .where(*_where(filters))
        .options(selectinload(Organization.honours))
        .order_by(position, _chain_label(), Organization.name, Organization.id)
    )


def firm_cards(firms: Sequence[Organization]) -> list[FirmCard]:
    """Cards for a page of firms, with their published capabilities (one extra query)."""
    ids = [f.id for f in firms]
    published: dict[int, list[tuple[int, str]]] = defaultdict(list)
    if ids:
        query = (
            sa.select(Capability.organization_id, Capability.id, Capability.title)
            .where(Capability.organization_id.in_(ids))
            .where(Capability.status == ListingStatus.PUBLISHED)
            .order_by(Capability.published_at.desc(), Capability.id)
        )
        for org_id, cap_id, title in db.session.execute(query):
            published[org_id].append((cap_id, title))
    return [
        FirmCard(
            id=f.id,
            name=f.name,
            chain=f.industry_chain or NO_CHAIN,
            district=f.district,
            is_local=f.is_local,
            honours=tuple(f.honour_names),
            capabilities=tuple(published[f.id]),
        )
        for f in firms
    ]
