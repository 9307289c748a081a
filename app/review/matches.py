"""The match queue: pending pairs not yet engaged, decided one by one or in bulk.

A decision is a conditional UPDATE (still pending → decided): of two reviewers deciding the
same pair at once, the second is told the pair was decided meanwhile, whatever the database.
A pair whose firm already engages the scenario (it applied, or accepted an earlier pair)
leaves the queue and cannot be pushed again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import sqlalchemy as sa

from app import audit
from app.errors import DomainError
from app.extensions import db
from app.models import Capability, Engagement, Recommendation, RecommendationStatus, User
from app.models.base import utcnow
from app.notifications import services as notifications
from app.paging import parse_id
from app.recommendations import services as recommendations

BULK_LIMIT = 200


def engaged() -> sa.ColumnElement[bool]:
    """The pair's firm already has an engagement on the pair's scenario."""
    return sa.exists(
        sa.select(Engagement.id)
        .join(Capability, Capability.organization_id == Engagement.firm_id)
        .where(
            Engagement.scenario_id == Recommendation.scenario_id,
            Capability.id == Recommendation.capability_id,
        )
    )


def queue(min_score: float) -> sa.Select[Recommendation]:
    """Pending pairs at or above the score, best first, engaged pairs left out."""
    return recommendations.pending_queue(min_score).where(~engaged())


def queue_size(min_score: float) -> int:
    """How many pairs wait in the queue."""
    query = sa.select(sa.func.count()).select_from(queue(min_score).subquery())
    return db.session.scalar(query) or 0


@dataclass
class Outcome:
    """What a (bulk) decision did: pairs decided, and each refusal with its reason."""

    done: list[Recommendation] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)


def _name(rec: Recommendation) -> str:
    return f"“{rec.scenario.title}” ⇄ “{rec.capability.title}”"


def _refusal(rec: Recommendation, approve: bool) -> str:
    """Why the pair cannot be decided this way ('' when it can)."""
    if rec.status is not RecommendationStatus.PENDING:
        return f"该推荐已{rec.status.label}，不能重复审核。"
    if db.session.scalar(sa.select(engaged()).where(Recommendation.id == rec.id)):
        return "该企业已与此场景建立对接，无需再推荐。"
    if approve and not (rec.scenario.is_published and rec.capability.is_published):
        return "场景或能力已不在发布状态，不能推荐。"
    return ""


def _claim(admin: User, rec: Recommendation, approve: bool, reason: str) -> bool:
    """Decide the pair if it is still pending (one statement); False when someone was first."""
    status = RecommendationStatus.APPROVED if approve else RecommendationStatus.REJECTED
    result = db.session.execute(
        sa.update(Recommendation)
        .where(Recommendation.id == rec.id, Recommendation.status == RecommendationStatus.PENDING)
        .values(status=status, reviewer_id=admin.id, reviewed_at=utcnow(), review_note=reason)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(rec)
    # DML runs as a CursorResult (rowcount); Session.execute is typed as returning a Result
    return cast("sa.CursorResult[Any]", result).rowcount == 1


def decide(admin: User, ids: list[int], approve: bool, reason: str = "") -> Outcome:
    """Push each pair to both sides, or turn each down with the one reason; each on its own."""
    reason = reason.strip()
    if not approve and not reason:
        raise DomainError("驳回推荐时请填写原因。", field="reason")
    outcome = Outcome()
    for rec_id in list(dict.fromkeys(ids))[:BULK_LIMIT]:
        rec = db.session.get(Recommendation, rec_id)
        if rec is None:
            outcome.refused.append(f"推荐 {rec_id}：不存在。")
            continue
        db.session.refresh(rec)  # the status as committed now, not as this session last saw it
        if problem := _refusal(rec, approve):
            outcome.refused.append(f"{_name(rec)}：{problem}")
        elif not _claim(admin, rec, approve, reason):
            outcome.stale.append(f"{_name(rec)}：已被其他审核员处理，请刷新后查看。")
        else:
            audit.record(admin, "approve" if approve else "reject", rec, reason)
            if approve:
                notifications.recommendation_approved(rec)
            outcome.done.append(rec)
    return outcome


def parse_ids(values: list[str]) -> list[int]:
    """The posted pair ids (malformed ones dropped)."""
    return [i for i in (parse_id(v) for v in values) if i is not None]
