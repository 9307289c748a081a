"""Recommendations for listings, the review queue the engine fills, and 平台推荐."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session, selectinload

from app import audit
from app.errors import DomainError
from app.extensions import db
from app.listing_kinds import kind_of
from app.matching import Filters, Match
from app.matching.calibration import C2S, S2C
from app.models import (
    Capability,
    IndexArtifact,
    ListingStatus,
    Organization,
    Recommendation,
    RecommendationImpression,
    RecommendationStatus,
    Scenario,
    User,
)
from app.models.base import utcnow
from app.notifications import services as notifications
from app.recommendations.client import Ask, MatchingUnavailable, filters_to_json
from app.recommendations.documents import document, side
from app.recommendations.exposure import cap_per_organization
from app.recommendations.levels import Level, level
from app.recommendations.live import live
from app.recommendations.specific import has_reason, listing_basis
from app.recommendations.state import read_vocabulary
from app.security.policies import Visitor

__all__ = ["MatchingUnavailable"]

logger = logging.getLogger(__name__)

# Candidates asked for beyond the page: one withdrawn a moment ago (the matcher drops it
# within a second) is left out here without leaving the page short.
SLACK = 5
# A scenario's capabilities are asked for this many times over: the cap per organisation
# (MATCH_ORG_CAP) may skip some, and the page still fills with the next ones.
CAP_FACTOR = 3
MORE = 5  # candidates listed under 更多可能相关
MAX_ASK = 200  # the matching service answers at most this many (matching_service.views.MAX_TOP)


@dataclass(frozen=True)
class Suggestion:
    """A recommended listing with the engine's score, explanation and match level."""

    listing: Scenario | Capability
    match: Match
    level: Level | None = None  # None below the floor (then listed under 更多可能相关 at most)


@dataclass(frozen=True)
class Shown:
    """The recommendations of one listing and the version of the engine that ranked them.

    suggestions: at or above the floor, with a specific reason; more: the next candidates
    below the floor that still have one (更多可能相关); insufficient: the listing itself
    holds too few specific words to recommend on (推荐依据不足).
    """

    suggestions: list[Suggestion]
    engine_version: str
    more: list[Suggestion] = field(default_factory=list)
    insufficient: bool = False


def recommend(
    listing: Scenario | Capability,
    top: int,
    min_score: float = 0.0,
    filters: Filters | None = None,
    sync: bool = False,
) -> Shown:
    """The best published listings of the other side; MatchingUnavailable when the matching
    service cannot answer now."""
    app = current_app
    if not listing_basis(listing, live(app).engine()):
        return Shown([], "", insufficient=True)
    for_scenario = isinstance(listing, Scenario)
    ask = Ask(
        side(listing),
        listing.id,
        document(listing),
        min(top * (CAP_FACTOR if for_scenario else 1) + SLACK, MAX_ASK),
        filters,
        min_score,
        sync,
    )
    answer = live(app).client().recommend(ask)
    model = kind_of(listing).counterpart.model
    rows = _load(model, [int(m.id) for m in answer.matches])
    candidates = [
        Suggestion(rows[int(m.id)], m, level(m.score, S2C if for_scenario else C2S))
        for m in answer.matches
        if m.score > 0 and int(m.id) in rows and rows[int(m.id)].is_published
    ]
    reasoned = [s for s in candidates if has_reason(s.match.explanation)]
    if for_scenario:  # a broad product does not crowd out specialists
        reasoned = cap_per_organization(reasoned, int(app.config["MATCH_ORG_CAP"]))
    shown = [s for s in reasoned if s.level is not None][:top]
    more = [s for s in reasoned if s.level is None][:MORE]
    return Shown(shown, answer.engine_version, more)


def _load(
    model: type[Scenario] | type[Capability], ids: Sequence[int]
) -> dict[int, Scenario | Capability]:
    if not ids:
        return {}
    query = sa.select(model).where(model.id.in_(ids)).options(selectinload(model.organization))
    # SQLAlchemy's overloads join Scenario | Capability to Base
    rows = cast("sa.ScalarResult[Scenario | Capability]", db.session.scalars(query))
    return {row.id: row for row in rows}


def capabilities_for(
    scenario: Scenario, top: int, min_score: float = 0.0, filters: Filters | None = None
) -> list[Suggestion]:
    """为场景找产品: the best published capabilities for a scenario."""
    return recommend(scenario, top, min_score, filters).suggestions


def scenarios_for(
    capability: Capability, top: int, min_score: float = 0.0, filters: Filters | None = None
) -> list[Suggestion]:
    """为产品找场景: the best published scenarios for a capability."""
    return recommend(capability, top, min_score, filters).suggestions


def record_impression(
    user: Visitor, listing: Scenario | Capability, shown: Shown, filters: Filters | None
) -> None:
    """Keep what a detail page showed, in a short transaction of its own (the page is a GET);
    best-effort: a failure is logged and the page is still shown."""
    row = RecommendationImpression(
        user_id=getattr(user, "id", None),
        organization_id=getattr(user, "organization_id", None),
        side=side(listing),
        listing_id=listing.id,
        engine_version=shown.engine_version,
        filters=filters_to_json(filters),
        candidates=[
            {"id": s.listing.id, "rank": rank, "score": round(s.match.score, 4)}
            for rank, s in enumerate(shown.suggestions, start=1)
        ],
    )
    try:
        with Session(db.engine) as session, session.begin():
            session.add(row)
    except Exception:
        logger.exception("recommendation impression not recorded (%s %s)", row.side, row.listing_id)


def queue_for(listing: Scenario | Capability, min_score: float, top: int) -> int:
    """Queue the engine's best pairs for a newly published listing; return how many are new.

    Raises MatchingUnavailable when the matching service cannot answer (callers retry).
    """
    shown = recommend(listing, top, min_score, sync=True)
    pairs: list[tuple[Scenario | Capability, Scenario | Capability, Match]]
    if isinstance(listing, Scenario):
        pairs = [(listing, s.listing, s.match) for s in shown.suggestions]
    else:
        pairs = [(s.listing, listing, s.match) for s in shown.suggestions]
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
                signals=dict(match.signals),
                explanation=asdict(match.explanation) if match.explanation else {},
                engine_version=shown.engine_version,
            )
        )
        added += 1
    db.session.flush()
    return added


def _existing_pairs(listing: Scenario | Capability) -> set[tuple[int, int]]:
    rows = db.session.execute(
        sa.select(Recommendation.scenario_id, Recommendation.capability_id).where(
            _pair_column(listing) == listing.id
        )
    )
    return {(s, c) for s, c in rows}


def decide(admin: User, recommendation: Recommendation, approve: bool, reason: str = "") -> None:
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
    if approve:
        notifications.recommendation_approved(recommendation)


def pending_queue(min_score: float) -> sa.Select[Recommendation]:
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


def _approved_pairs() -> sa.Select[Recommendation]:
    """Approved pairs whose two listings are both still published, with their organisations."""
    return (
        sa.select(Recommendation)
        .join(Recommendation.scenario)
        .join(Recommendation.capability)
        .where(
            Recommendation.status == RecommendationStatus.APPROVED,
            Scenario.status == ListingStatus.PUBLISHED,
            Capability.status == ListingStatus.PUBLISHED,
        )
        .options(
            selectinload(Recommendation.scenario).selectinload(Scenario.organization),
            selectinload(Recommendation.capability).selectinload(Capability.organization),
        )
    )


def platform_recommendations(org: Organization) -> list[Recommendation]:
    """平台推荐: approved pairs that involve the organisation's published listings."""
    query = _approved_pairs().where(
        sa.or_(Scenario.organization_id == org.id, Capability.organization_id == org.id)
    )
    order = (Recommendation.reviewed_at.desc(), Recommendation.id.desc())
    return list(db.session.scalars(query.order_by(*order)))


def approved_for(listing: Scenario | Capability) -> list[Recommendation]:
    """The approved pairs of one listing, for its detail page."""
    query = _approved_pairs().where(_pair_column(listing) == listing.id)
    return list(db.session.scalars(query.order_by(Recommendation.score.desc())))


def _pair_column(listing: Scenario | Capability) -> sa.orm.InstrumentedAttribute[int]:
    """The recommendation column that points at this kind of listing."""
    column = getattr(Recommendation, kind_of(listing).foreign_key)
    return cast("sa.orm.InstrumentedAttribute[int]", column)


@dataclass(frozen=True)
class EngineOverview:
    """What the engine page shows: what is served, and the latest builds."""

    served: dict[str, Any] | None  # Matcher.status(); None when the service did not answer
    vocabulary: str  # the fingerprint of the vocabulary and model stored now
    artifacts: list[IndexArtifact]

    @property
    def up_to_date(self) -> bool:
        """Whether the served engine has the current vocabulary and re-ranker."""
        return self.served is not None and self.served.get("vocabulary") == self.vocabulary

    @property
    def built_at(self) -> datetime | None:
        """When the served state was built."""
        raw = (self.served or {}).get("built_at")
        return datetime.fromisoformat(raw) if raw else None


def engine_overview(builds: int = 5) -> EngineOverview:
    """The served engine (from whichever matcher is configured) and the newest artifacts."""
    try:
        served: dict[str, Any] | None = live(current_app).client().status()
    except MatchingUnavailable:
        served = None
    query = sa.select(IndexArtifact).order_by(IndexArtifact.id.desc()).limit(builds)
    return EngineOverview(
        served,
        read_vocabulary(db.session()).fingerprint,
        list(db.session.scalars(query)),
    )
