"""The bridge between the database and the matching engine, and the review queue it feeds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app import audit
from app.errors import DomainError
from app.extensions import db
from app.matching import Listing, Match, default_matcher
from app.models import (
    Capability,
    ListingStatus,
    Organization,
    Recommendation,
    RecommendationStatus,
    Scenario,
)
from app.models.base import utcnow


@dataclass(frozen=True)
class Suggestion:
    """A recommended listing with the engine's score and shared key terms."""

    listing: Scenario | Capability
    match: Match


def scenario_doc(scenario: Scenario) -> Listing:
    """A scenario as the engine sees it."""
    text = "\n".join(p for p in (scenario.description, scenario.needs, scenario.expected) if p)
    return Listing(
        id=str(scenario.id),
        title=scenario.title,
        description=text,
        tags=tuple(scenario.tag_names),
        domains=(scenario.domain,),
        district=scenario.district,
    )


def capability_doc(capability: Capability) -> Listing:
    """A capability as the engine sees it."""
    return Listing(
        id=str(capability.id),
        title=capability.title,
        description=capability.description,
        tags=tuple(capability.tag_names + capability.keyword_list),
        domains=tuple(capability.domain_names),
        district=capability.organization.district,
        is_local=capability.organization.is_local,
    )


def published_scenarios() -> list[Scenario]:
    """Every published scenario, with what the engine reads loaded."""
    query = (
        sa.select(Scenario)
        .where(Scenario.status == ListingStatus.PUBLISHED)
        .options(selectinload(Scenario.tags), selectinload(Scenario.organization))
        .order_by(Scenario.id)
    )
    return list(db.session.scalars(query))


def published_capabilities() -> list[Capability]:
    """Every published capability, with what the engine reads loaded."""
    query = (
        sa.select(Capability)
        .where(Capability.status == ListingStatus.PUBLISHED)
        .options(
            selectinload(Capability.tags),
            selectinload(Capability.domains),
            selectinload(Capability.organization),
        )
        .order_by(Capability.id)
    )
    return list(db.session.scalars(query))


def _rank(
    query: Listing, candidates: Sequence[Any], to_doc: Any, top: int, min_score: float = 0.0
) -> list[Suggestion]:
    by_id = {str(c.id): c for c in candidates}
    docs = [to_doc(c) for c in candidates]
    matches = default_matcher().rank([query], docs, top=top, min_score=min_score)[0]
    return [Suggestion(by_id[m.id], m) for m in matches if m.score > 0]


def capabilities_for(scenario: Scenario, top: int, min_score: float = 0.0) -> list[Suggestion]:
    """为场景找产品: the best published capabilities for a scenario."""
    return _rank(scenario_doc(scenario), published_capabilities(), capability_doc, top, min_score)


def scenarios_for(capability: Capability, top: int, min_score: float = 0.0) -> list[Suggestion]:
    """为产品找场景: the best published scenarios for a capability."""
    return _rank(capability_doc(capability), published_scenarios(), scenario_doc, top, min_score)


def queue_for(listing: Scenario | Capability, min_score: float, top: int) -> int:
    """Queue the engine's best pairs for a newly published listing; return how many are new."""
    if isinstance(listing, Scenario):
        pairs = [(listing, s.listing, s.match) for s in capabilities_for(listing, top, min_score)]
    else:
        pairs = [(s.listing, listing, s.match) for s in scenarios_for(listing, top, min_score)]
    existing = _existing_pairs(listing)
    added = 0
    for scenario, capability, match in pairs:
        if (scenario.id, capability.id) in existing:
            continue
        db.session.add(
            Recommendation(
                scenario_id=scenario.id,
                capability_id=capability.id,
                score=round(min(max(match.score, 0.0), 1.0), 4),
                terms=list(match.terms),
            )
        )
        added += 1
    db.session.flush()
    return added


def _existing_pairs(listing: Scenario | Capability) -> set[tuple[int, int]]:
    column = (
        Recommendation.scenario_id
        if isinstance(listing, Scenario)
        else Recommendation.capability_id
    )
    rows = db.session.execute(
        sa.select(Recommendation.scenario_id, Recommendation.capability_id).where(
            column == listing.id
        )
    )
    return {(s, c) for s, c in rows}


def decide(admin: Any, recommendation: Recommendation, approve: bool, reason: str = "") -> None:
    """An administrator pushes a pair to both sides, or turns it down with a reason."""
    if recommendation.status is not RecommendationStatus.PENDING:
        raise DomainError(f"该推荐已{recommendation.status.label}，不能重复审核。")
    if not approve and not reason.strip():
        raise DomainError("驳回推荐时请填写原因。", field="reason")
    if approve and not (
        recommendation.scenario.is_published and recommendation.capability.is_published
    ):
        raise DomainError("场景或能力已不在发布状态，不能推荐。")
    recommendation.status = (
        RecommendationStatus.APPROVED if approve else RecommendationStatus.REJECTED
    )
    recommendation.reviewer_id = admin.id
    recommendation.reviewed_at = utcnow()
    recommendation.review_note = reason.strip()
    audit.record(admin, "approve" if approve else "reject", recommendation, reason.strip())


def pending_queue(min_score: float) -> sa.Select[tuple[Recommendation]]:
    """Pending pairs at or above the score, best first."""
    return (
        sa.select(Recommendation)
        .where(
            Recommendation.status == RecommendationStatus.PENDING,
            Recommendation.score >= min_score,
        )
        .options(
            selectinload(Recommendation.scenario).selectinload(Scenario.organization),
            selectinload(Recommendation.capability).selectinload(Capability.organization),
        )
        .order_by(Recommendation.score.desc(), Recommendation.id)
    )


def platform_recommendations(org: Organization) -> list[Recommendation]:
    """平台推荐: approved pairs that involve the organisation's published listings."""
    query = (
        sa.select(Recommendation)
        .join(Recommendation.scenario)
        .join(Recommendation.capability)
        .where(
            Recommendation.status == RecommendationStatus.APPROVED,
            sa.or_(
                Scenario.organization_id == org.id,
                Capability.organization_id == org.id,
            ),
            Scenario.status == ListingStatus.PUBLISHED,
            Capability.status == ListingStatus.PUBLISHED,
        )
        .options(
            selectinload(Recommendation.scenario).selectinload(Scenario.organization),
            selectinload(Recommendation.capability).selectinload(Capability.organization),
        )
        .order_by(Recommendation.reviewed_at.desc(), Recommendation.id.desc())
    )
    return list(db.session.scalars(query))


def approved_for(listing: Scenario | Capability) -> list[Recommendation]:
    """The approved pairs of one listing, for its detail page."""
    column = (
        Recommendation.scenario_id
        if isinstance(listing, Scenario)
        else Recommendation.capability_id
    )
    query = (
        sa.select(Recommendation)
        .where(column == listing.id, Recommendation.status == RecommendationStatus.APPROVED)
        .order_by(Recommendation.score.desc())
    )
    return [
        r
        for r in db.session.scalars(query)
        if r.scenario.is_published and r.capability.is_published
    ]
