"""The headline figures: published listings, recommendations, engagements, contracts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from app.dashboard import figures
from app.dashboard.aggregates import SIGNED, as_amount, as_int, shared_figure
from app.dashboard.median_days import median_days_to_first_engagement
from app.dashboard.tables import Summary
from app.extensions import db
from app.models import (
    Capability,
    Engagement,
    EngagementOrigin,
    EngagementStage,
    ListingStatus,
    Organization,
    Recommendation,
    RecommendationStatus,
    Scenario,
)


def summary() -> Summary:
    """The headline figures (a handful of aggregate queries)."""
    recs = recommendation_counts()
    stages = engagement_stages()
    signed = [stages.get(stage, (0, 0.0)) for stage in SIGNED]
    local = local_signed()
    shared = shared_figure("headline", figures.headline)
    return Summary(
        scenarios_published=shared["scenarios"],
        capabilities_published=shared["capabilities"],
        recommendations_made=sum(recs.values()),
        recommendations_approved=recs[RecommendationStatus.APPROVED],
        recommendations_rejected=recs[RecommendationStatus.REJECTED],
        engagements=sum(n for n, _ in stages.values()),
        contracts_signed=sum(n for n, _ in signed),
        contract_amount_wan=round(sum(a for _, a in signed), 2),
        local_signed=local.get(True, (0, 0.0))[0],
        median_days_to_first_engagement=median_days_to_first_engagement(),
        firms=shared["firms"],
        recommended_engagements=shared["recommended"],
    )


def stage_origin() -> dict[tuple[EngagementStage, EngagementOrigin], tuple[int, Any]]:
    """Engagements and their summed contract amounts per (stage, origin).

    One GROUP BY feeds the headline figures, the funnel and the origins chart.
    """

    def compute() -> dict[tuple[EngagementStage, EngagementOrigin], tuple[int, Any]]:
        query = sa.select(
            Engagement.stage,
            Engagement.origin,
            sa.func.count(),
            sa.func.sum(Engagement.contract_amount_wan),
        ).group_by(Engagement.stage, Engagement.origin)
        return {(st, o): (as_int(n), amount or 0) for st, o, n, amount in db.session.execute(query)}

    return shared_figure("stage_origin", compute)


def engagement_stages() -> dict[EngagementStage, tuple[int, float]]:
    """Engagements and contract amounts by current stage."""
    found: dict[EngagementStage, tuple[int, Any]] = {}
    for (stage, _), (n, amount) in stage_origin().items():
        total, summed = found.get(stage, (0, 0))
        found[stage] = (total + n, summed + amount)
    return {stage: (n, as_amount(amount)) for stage, (n, amount) in found.items()}


def local_signed() -> dict[bool, tuple[int, float]]:
    """Signed engagements and amounts by whether the firm is local."""
    return shared_figure("local_signed", _local_signed_query)


def _local_signed_query() -> dict[bool, tuple[int, float]]:
    query = (
        sa.select(
            Organization.is_local,
            sa.func.count(Engagement.id),
            sa.func.sum(Engagement.contract_amount_wan),
        )
        .join(Organization, Organization.id == Engagement.firm_id)
        .where(Engagement.stage.in_(SIGNED))
        .group_by(Organization.is_local)
    )
    return {bool(local): (as_int(n), as_amount(a)) for local, n, a in db.session.execute(query)}


def scenario_breakdown() -> dict[tuple[str, str, ListingStatus, bool], int]:
    """Scenarios per (domain, district, status, ever published).

    One GROUP BY over a covering index feeds the headline count and the domain, district and
    status charts (a few thousand groups at most: the taxonomy is small).
    """

    def compute() -> dict[tuple[str, str, ListingStatus, bool], int]:
        # count(published_at) counts the ever published: grouping by an IS NOT NULL
        # expression instead would sort every row rather than stream the index
        query = sa.select(
            Scenario.domain,
            Scenario.district,
            Scenario.status,
            sa.func.count(),
            sa.func.count(Scenario.published_at),
        ).group_by(Scenario.domain, Scenario.district, Scenario.status)
        found = {}
        for domain, district, status, n, published in db.session.execute(query):
            found[(domain, district, status, True)] = as_int(published)
            found[(domain, district, status, False)] = as_int(n) - as_int(published)
        return found

    return shared_figure("scenarios", compute)


def capability_breakdown() -> dict[tuple[ListingStatus, bool], int]:
    """Capabilities per (status, ever published): the headline count and the status chart."""

    def compute() -> dict[tuple[ListingStatus, bool], int]:
        query = sa.select(
            Capability.status, sa.func.count(), sa.func.count(Capability.published_at)
        ).group_by(Capability.status)
        found = {}
        for status, n, published in db.session.execute(query):
            found[(status, True)] = as_int(published)
            found[(status, False)] = as_int(n) - as_int(published)
        return found

    return shared_figure("capabilities", compute)


def sum_by(counts: dict[Any, int], key: Callable[[Any], Any]) -> dict[Any, int]:
    """Counts added up under key(k), keys mapped to None left out."""
    found: dict[Any, int] = {}
    for k, n in counts.items():
        if (group := key(k)) is not None:
            found[group] = found.get(group, 0) + n
    return found


def recommendation_counts() -> dict[RecommendationStatus, int]:
    """Recommendations by status (GROUP BY status)."""
    return shared_figure("recommendations", _recommendation_counts_query)


def _recommendation_counts_query() -> dict[RecommendationStatus, int]:
    query = sa.select(Recommendation.status, sa.func.count(Recommendation.id)).group_by(
        Recommendation.status
    )
    counts = dict.fromkeys(RecommendationStatus, 0)
    counts.update({status: as_int(n) for status, n in db.session.execute(query)})
    return counts
