"""Excellent-case use cases: draft from a landed engagement, consents, publication, search."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app import amounts, audit
from app.errors import DomainError
from app.extensions import db
from app.models import (
    CaseStatus,
    Engagement,
    EngagementStage,
    ExcellentCase,
    Organization,
    Scenario,
    User,
)
from app.models.base import utcnow
from app.notifications import services as notifications
from app.security.policies import Visitor, engagement_party


@dataclass(frozen=True)
class CaseInput:
    """What an administrator writes for a case."""

    title: str
    problem: str
    solution: str
    result: str
    figures: str = ""


def for_engagement(engagement_id: int) -> ExcellentCase | None:
    """The case written about an engagement, if any."""
    return db.session.scalar(
        sa.select(ExcellentCase).where(ExcellentCase.engagement_id == engagement_id)
    )


def prefill(engagement: Engagement) -> CaseInput:
    """A first draft from what the engagement already says."""
    scenario = engagement.scenario
    return CaseInput(
        title=scenario.title[:100],
        problem=scenario.description,
        solution=engagement.capability.description
        if engagement.capability
        else engagement.proposal,
        result=engagement.result_summary,
        figures=_figures(engagement),
    )


def _figures(engagement: Engagement) -> str:
    """The engagement's facts as a draft case states them; a fact not recorded is left out."""
    parts = []
    if engagement.contract_amount_wan is not None:
        parts.append(f"合同金额 {amounts.wan(engagement.contract_amount_wan)}")
    if engagement.golive_date is not None:
        parts.append(f"上线日期 {engagement.golive_date}")
    return "；".join(parts)


def save_draft(admin: User, engagement: Engagement, data: CaseInput) -> ExcellentCase:
    """Write or rewrite the case of a landed engagement; a rewrite asks both sides again."""
    if engagement.stage is not EngagementStage.LANDED:
        raise DomainError("只有已落地的对接可以整理为优秀案例。")
    case = for_engagement(engagement.id)
    if case is None:
        case = ExcellentCase(engagement=engagement, created_by_id=admin.id)  # added below
    elif case.is_published:
        raise DomainError("案例已发布，不能再修改。")
    changed = (case.title, case.problem, case.solution, case.result, case.figures) != (
        data.title,
        data.problem,
        data.solution,
        data.result,
        data.figures,
    )
    case.title, case.problem, case.solution = data.title, data.problem, data.solution
    case.result, case.figures = data.result, data.figures
    if changed:
        # both sides agreed to a text; a different text needs their agreement again
        case.publisher_consent_at = case.firm_consent_at = None
        case.publisher_consent_by_id = case.firm_consent_by_id = None
    try:
        with db.session.begin_nested():  # losing the race undoes this case, not the request
            db.session.add(case)
    except IntegrityError as exc:  # another administrator started this case at the same moment
        raise DomainError(
            "该对接的案例刚刚已由其他管理员创建，请刷新页面后在其基础上修改。"
        ) from exc
    audit.record(admin, "case_draft", case)
    if changed:
        for org_id in (engagement.publisher_id, engagement.firm_id):
            notifications.notify_organization(
                org_id,
                "stage_changed",
                f"平台拟将“{case.title}”发布为优秀案例，请确认是否同意",
                link=f"/engagements/{engagement.id}",
            )
    return case


def consent(user: User, case: ExcellentCase) -> None:
    """One party agrees to publication of the case as written."""
    party = engagement_party(user, case.engagement)
    if party is None:
        raise DomainError("只有对接双方可以确认案例发布。")
    if case.is_published:
        raise DomainError("案例已发布。")
    if party == "publisher":
        case.publisher_consent_at, case.publisher_consent_by_id = utcnow(), user.id
    else:
        case.firm_consent_at, case.firm_consent_by_id = utcnow(), user.id
    db.session.flush()
    audit.record(user, f"case_consent_{party}", case)


def publish(admin: User, case: ExcellentCase) -> None:
    """Publish a case once both parties consented."""
    if case.is_published:
        raise DomainError("案例已发布。")
    if not case.fully_consented:
        raise DomainError("需双方单位均同意后才能发布案例。")
    case.status = CaseStatus.PUBLISHED
    case.published_at = utcnow()
    db.session.flush()
    audit.record(admin, "case_publish", case)


def can_preview(user: Visitor, case: ExcellentCase) -> bool:
    """Drafts are seen by the two parties and administrators only."""
    return (
        case.is_published
        or engagement_party(user, case.engagement) is not None
        or (isinstance(user, User) and user.is_reviewer)
    )


def published(keyword: str = "") -> sa.Select[ExcellentCase]:
    """Published cases, newest first, matching a keyword in their text or parties."""
    query = (
        sa.select(ExcellentCase)
        .join(ExcellentCase.engagement)
        .join(Engagement.scenario)
        .where(ExcellentCase.status == CaseStatus.PUBLISHED)
    )
    for word in keyword.split()[:5]:
        query = query.where(_mentions(word[:50]))
    return query.options(
        selectinload(ExcellentCase.engagement).selectinload(Engagement.firm),
        selectinload(ExcellentCase.engagement)
        .selectinload(Engagement.scenario)
        .selectinload(Scenario.organization),
    ).order_by(ExcellentCase.published_at.desc(), ExcellentCase.id.desc())


def _mentions(word: str) -> sa.ColumnElement[bool]:
    """The case's text, its scenario's domain or either organisation's name contains the word."""
    columns = (
        ExcellentCase.title,
        ExcellentCase.problem,
        ExcellentCase.solution,
        ExcellentCase.result,
        ExcellentCase.figures,
        Scenario.domain,
    )
    return sa.or_(
        *(c.icontains(word, autoescape=True) for c in columns),
        Engagement.firm.has(Organization.name.icontains(word, autoescape=True)),
        Scenario.organization.has(Organization.name.icontains(word, autoescape=True)),
    )
