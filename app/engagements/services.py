"""Engagement use cases: apply, accept a recommendation, shortlist, applicants, lists."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app import audit
from app.engagements import lifecycle
from app.errors import DomainError
from app.extensions import db
from app.matching import Match
from app.models import (
    Capability,
    Engagement,
    EngagementOrigin,
    EngagementStage,
    Organization,
    Recommendation,
    RecommendationAcceptance,
    RecommendationStatus,
    Role,
    Scenario,
    User,
)
from app.notifications import services as notifications
from app.recommendations import provider
from app.recommendations.explain import Reasons, reasons
from app.security.policies import Visitor
from app.security.visibility import existing as existing  # re-exported: views ask the services

MIN_PROPOSAL, MAX_PROPOSAL = 10, 2000
ALREADY_APPLIED = "贵单位已申请过该场景，请在“我的对接”中查看进展。"


def can_apply(user: Visitor, scenario: Scenario) -> bool:
    """A firm user may apply to a published scenario it has not applied to yet."""
    return (
        isinstance(user, User)  # signed in: the anonymous visitor is Flask-Login's stand-in
        and user.role is Role.FIRM
        and user.organization_id is not None
        and scenario.is_published
        and existing(scenario.id, user.organization_id) is None
    )


def apply(
    user: User,
    scenario: Scenario,
    proposal: str,
    capability_id: int | None = None,
    attachment: tuple[str, str] | None = None,
) -> Engagement:
    """揭榜/申请: a firm applies to a published scenario with a short proposal."""
    firm = user.organization
    if user.role is not Role.FIRM or firm is None:
        raise DomainError("只有数字企业可以申请对接场景。")
    if not firm.is_approved:
        raise DomainError("单位信息审核通过后才能申请对接。")
    if scenario.is_past_deadline:
        raise DomainError("该场景申报已截止。")
    if not scenario.is_published:
        raise DomainError("该场景不在发布状态，不能申请。")
    if existing(scenario.id, firm.id) is not None:
        raise DomainError(ALREADY_APPLIED)
    proposal = proposal.strip()
    if not MIN_PROPOSAL <= len(proposal) <= MAX_PROPOSAL:
        raise DomainError(f"申请说明应为{MIN_PROPOSAL}至{MAX_PROPOSAL}个字。", field="proposal")
    capability = _own_capability(firm, capability_id)
    try:
        with db.session.begin_nested():  # losing the race undoes this engagement only
            engagement = lifecycle.open_engagement(
                user,
                scenario,
                firm,
                EngagementOrigin.APPLICATION,
                "提交申请",
                proposal=proposal,
                capability=capability,
                attachment_name=attachment[0] if attachment else "",
                attachment_file=attachment[1] if attachment else "",
            )
    except IntegrityError as exc:  # the same firm applied at the same moment (two tabs, a click)
        raise DomainError(ALREADY_APPLIED) from exc
    notifications.notify_organization(
        scenario.organization_id,
        "application_received",
        f"{firm.name} 申请对接“{scenario.title}”",
        link=f"/engagements/{engagement.id}",
        body=proposal[:200],
    )
    return engagement


def _own_capability(firm: Organization, capability_id: int | None) -> Capability | None:
    if capability_id is None:
        return None
    capability = db.session.get(Capability, capability_id)
    if capability is None or capability.organization_id != firm.id or not capability.is_published:
        raise DomainError("请选择贵单位已发布的能力。", field="capability_id")
    return capability


def offered_capabilities(firm: Organization) -> list[Capability]:
    """The firm's published capabilities, to choose from when applying."""
    return [c for c in firm.capabilities if c.is_published]


def accepted_by(recommendation: Recommendation) -> set[int]:
    """The organisations that accepted an approved pair."""
    return set(
        db.session.scalars(
            sa.select(RecommendationAcceptance.organization_id).where(
                RecommendationAcceptance.recommendation_id == recommendation.id
            )
        )
    )


def accept_recommendation(user: User, recommendation: Recommendation) -> Engagement | None:
    """发起对接/接受推荐: one side accepts; when both have, the engagement starts."""
    scenario, capability = recommendation.scenario, recommendation.capability
    sides = {scenario.organization_id, capability.organization_id}
    if user.organization is None or user.organization_id not in sides:
        raise DomainError("只有推荐双方可以接受该推荐。")
    if recommendation.status is not RecommendationStatus.APPROVED:
        raise DomainError("该推荐尚未通过审核。")
    if not (scenario.is_published and capability.is_published):
        raise DomainError("场景或能力已不在发布状态。")
    if existing(scenario.id, capability.organization_id) is not None:
        raise DomainError("双方已建立对接，请在“我的对接”中查看进展。")
    accepted = accepted_by(recommendation)
    if user.organization_id in accepted:
        raise DomainError("贵单位已接受该推荐，正在等待对方确认。")
    acceptance = RecommendationAcceptance(
        recommendation_id=recommendation.id,
        organization_id=user.organization_id,
        user_id=user.id,
    )
    try:
        with db.session.begin_nested():  # losing the race undoes this row, not the request
            db.session.add(acceptance)
    except IntegrityError as exc:  # the same side accepted at the same moment (a double click)
        raise DomainError("贵单位已接受该推荐，正在等待对方确认。") from exc
    audit.record(user, "accept", recommendation)
    if accepted | {user.organization_id} != sides:
        other = (sides - {user.organization_id}).pop()
        notifications.notify_organization(
            other,
            "new_recommendation",
            f"{user.organization.name} 希望就平台推荐“{scenario.title}”与贵单位对接",
            link="/my/",
        )
        return None
    try:
        with db.session.begin_nested():  # losing the race undoes this engagement only
            return lifecycle.open_engagement(
                user,
                scenario,
                capability.organization,
                EngagementOrigin.RECOMMENDATION,
                "双方接受平台推荐",
                capability=capability,
                recommendation_id=recommendation.id,
            )
    except IntegrityError as exc:  # the firm applied to the scenario meanwhile
        raise DomainError("双方已建立对接，请在“我的对接”中查看进展。") from exc


def set_shortlisted(
    user: User, engagement: Engagement, shortlisted: bool, expected_version: int | None
) -> None:
    """The publisher puts an applicant on its shortlist (入围), or takes it off."""
    lifecycle.check_version(engagement, expected_version)
    if user.organization_id != engagement.publisher_id:
        raise DomainError("只有场景发布单位可以设置入围。")
    if not engagement.is_open:
        raise DomainError(f"对接已{engagement.stage.label}，不能再调整入围。")
    engagement.shortlisted = shortlisted
    db.session.flush()
    audit.record(user, "shortlist" if shortlisted else "unshortlist", engagement)


def _with_parties(query: sa.Select[Engagement]) -> sa.Select[Engagement]:
    return query.options(
        selectinload(Engagement.scenario).selectinload(Scenario.organization),
        selectinload(Engagement.firm),
        selectinload(Engagement.capability),
    )


def for_organization(
    org: Organization, stage: EngagementStage | None = None
) -> sa.Select[Engagement]:
    """The organisation's engagements on either side, newest activity first."""
    query = (
        sa.select(Engagement)
        .join(Engagement.scenario)
        .where(sa.or_(Engagement.firm_id == org.id, Scenario.organization_id == org.id))
    )
    if stage is not None:
        query = query.where(Engagement.stage == stage)
    return _with_parties(query.order_by(Engagement.updated_at.desc(), Engagement.id.desc()))


def all_engagements(stage: EngagementStage | None = None) -> sa.Select[Engagement]:
    """Every engagement, for administrators, optionally of one stage."""
    query = sa.select(Engagement)
    if stage is not None:
        query = query.where(Engagement.stage == stage)
    return _with_parties(query.order_by(Engagement.updated_at.desc(), Engagement.id.desc()))


def stage_counts(org: Organization | None = None) -> dict[EngagementStage, int]:
    """How many engagements sit in each stage (all, or one organisation's)."""
    query = sa.select(Engagement.stage, sa.func.count()).group_by(Engagement.stage)
    if org is not None:
        query = query.join(Engagement.scenario).where(
            sa.or_(Engagement.firm_id == org.id, Scenario.organization_id == org.id)
        )
    counts = {stage: count for stage, count in db.session.execute(query)}
    return {stage: counts.get(stage, 0) for stage in EngagementStage}


@dataclass(frozen=True)
class Applicant:
    """One firm's engagement with a scenario, with how well its capability fits."""

    engagement: Engagement
    capability: Capability | None  # the one chosen, else the firm's best-fitting
    score: float | None
    reasons: Reasons | None


def applicants(scenario: Scenario, scored: bool = True) -> list[Applicant]:
    """Every firm engaged with the scenario, side by side, best fit first (scored: by the
    matching engine, which raises MatchingUnavailable when it cannot answer now)."""
    engagements = list(
        db.session.scalars(
            _with_parties(sa.select(Engagement).where(Engagement.scenario_id == scenario.id))
        )
    )
    candidates = _candidates(engagements)
    best = (
        _best_matches(scenario, [c for caps in candidates.values() for c in caps]) if scored else {}
    )
    rows = []
    for engagement in engagements:
        pairs = [(best[c.id], c) for c in candidates[engagement.id] if c.id in best]
        if pairs:
            match, capability = max(pairs, key=lambda pair: (pair[0].score, -pair[1].id))
            rows.append(
                Applicant(
                    engagement,
                    capability,
                    match.score,
                    reasons(match.explanation, list(match.terms)),
                )
            )
        else:
            rows.append(Applicant(engagement, engagement.capability, None, None))
    return sorted(rows, key=lambda a: (-(a.score or 0.0), a.engagement.id))


def _candidates(engagements: list[Engagement]) -> dict[int, list[Capability]]:
    """The applicant's chosen capability, or all of the firm's published ones."""
    return {
        e.id: [e.capability] if e.capability else [c for c in e.firm.capabilities if c.is_published]
        for e in engagements
    }


def _best_matches(scenario: Scenario, capabilities: list[Capability]) -> dict[int, Match]:
    """The engine's score of the scenario against each capability (one small index)."""
    unique = list({c.id: c for c in capabilities}.values())
    if not unique:
        return {}
    return {int(m.id): m for m in provider.score(scenario, unique)}


def pending_for(org: Organization) -> dict[int, set[int]]:
    """For the workspace: which organisations accepted each approved pair of this one."""
    rows = db.session.execute(
        sa.select(
            RecommendationAcceptance.recommendation_id, RecommendationAcceptance.organization_id
        )
        .join(Recommendation, Recommendation.id == RecommendationAcceptance.recommendation_id)
        .join(Recommendation.scenario)
        .join(Recommendation.capability)
        .where(sa.or_(Scenario.organization_id == org.id, Capability.organization_id == org.id))
    )
    result: dict[int, set[int]] = {}
    for rec_id, org_id in rows:
        result.setdefault(rec_id, set()).add(org_id)
    return result
