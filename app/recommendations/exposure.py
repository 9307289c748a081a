"""Fair exposure: at most MATCH_ORG_CAP capabilities of one organisation in a scenario's
recommendations, and the exposure statistics administrators see on the engine page.

Exposure is counted over capabilities recommended to scenarios, from two sources:

- **shown**: the recommendations scenario pages actually showed (`recommendation_impressions`)
  in the last `days` days;
- **queued**: the pairs the engine proposed for review (pending) and those approved (平台推荐).

For each: how often each firm was recommended, the share going to local firms, the share
going to small firms (专精特新 or 小巨人 among the firm's honours: the platform records no
enterprise size, and these titles are given to small and medium firms), and concentration:
the share of the top 10 firms and the Herfindahl–Hirschman index (Σ share², 1 = one firm).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (
    Capability,
    Organization,
    Recommendation,
    RecommendationImpression,
    RecommendationStatus,
)
from app.models.base import utcnow

SMALL_FIRM_HONOURS = frozenset({"专精特新", "小巨人"})
TOP_FIRMS = 10
T = TypeVar("T")


def cap_per_organization(suggestions: Sequence[T], cap: int) -> list[T]:
    """Keep the order, skipping a capability once its organisation already has `cap` above
    it (cap ≤ 0: no cap). Each item has `.listing.organization_id`."""
    if cap <= 0:
        return list(suggestions)
    seen: Counter[int] = Counter()
    kept = []
    for item in suggestions:
        org = item.listing.organization_id  # type: ignore[attr-defined]
        if seen[org] < cap:
            seen[org] += 1
            kept.append(item)
    return kept


@dataclass(frozen=True)
class FirmExposure:
    """One firm's share of the recommendations."""

    name: str
    count: int
    share: float
    is_local: bool
    is_small: bool


@dataclass(frozen=True)
class Exposure:
    """Exposure statistics of one source of recommendations."""

    source: str  # 展示给场景的推荐 / 审核队列与平台推荐
    total: int  # capability recommendations counted
    firms: int  # distinct organisations among them
    local_share: float
    small_share: float
    top_share: float  # share of the TOP_FIRMS most recommended firms
    hhi: float
    top: list[FirmExposure]


def statistics(days: int = 30) -> list[Exposure]:
    """Exposure of what was shown in the last `days` days, and of the queued/approved pairs."""
    since = utcnow() - timedelta(days=days)
    shown = db.session.scalars(
        sa.select(RecommendationImpression.candidates).where(
            RecommendationImpression.side == "scenario",
            RecommendationImpression.shown_at >= since,
        )
    )
    shown_ids = [int(c["id"]) for candidates in shown for c in candidates or () if "id" in c]
    queued_ids = db.session.scalars(
        sa.select(Recommendation.capability_id).where(
            Recommendation.status.in_([RecommendationStatus.PENDING, RecommendationStatus.APPROVED])
        )
    ).all()
    return [
        summarise(f"近 {days} 天场景页展示的推荐", shown_ids),
        summarise("审核队列与平台推荐", list(queued_ids)),
    ]


def summarise(source: str, capability_ids: Iterable[int]) -> Exposure:
    """Exposure statistics of a list of recommended capabilities (repeats count)."""
    per_capability = Counter(capability_ids)
    orgs = _organizations(list(per_capability))
    per_org: Counter[int] = Counter()
    for cap_id, count in per_capability.items():
        if cap_id in orgs:
            per_org[orgs[cap_id].id] += count
    by_id = {org.id: org for org in orgs.values()}
    total = sum(per_org.values())
    ranked = per_org.most_common()

    def share(ids: Iterable[Any]) -> float:
        return sum(per_org[i] for i in ids) / total if total else 0.0

    return Exposure(
        source=source,
        total=total,
        firms=len(per_org),
        local_share=share(i for i in per_org if by_id[i].is_local),
        small_share=share(i for i in per_org if _is_small(by_id[i])),
        top_share=share(i for i, _ in ranked[:TOP_FIRMS]),
        hhi=sum((c / total) ** 2 for c in per_org.values()) if total else 0.0,
        top=[
            FirmExposure(by_id[i].name, c, c / total, by_id[i].is_local, _is_small(by_id[i]))
            for i, c in ranked[:TOP_FIRMS]
        ],
    )


def _organizations(capability_ids: Sequence[int]) -> dict[int, Organization]:
    if not capability_ids:
        return {}
    rows = db.session.scalars(
        sa.select(Capability)
        .where(Capability.id.in_(capability_ids))
        .options(selectinload(Capability.organization).selectinload(Organization.honours))
    )
    return {row.id: row.organization for row in rows}


def _is_small(org: Organization) -> bool:
    return bool(SMALL_FIRM_HONOURS.intersection(org.honour_names))
