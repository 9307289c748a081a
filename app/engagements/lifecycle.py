"""Every stage change of an engagement, in one place: who may move it, from where, with what.

意向 → 洽谈中 → 已签约 → 已落地, or 已终止 from any open stage.

Who moves what (decided here, documented in docs and on the page):
- 进入洽谈: either party (whoever picks up the conversation first);
- 确认签约 (amount in 万元 and date): the publisher, who signs and pays;
- 确认落地 (go-live date and result): the firm, which delivers; the publisher is told and
  sees it on the timeline, and may end the engagement if it disagrees;
- 终止对接 (with a reason): either party.
Administrators follow every engagement but do not move it: the parties own their contract.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from app import amounts, audit, clock
from app.errors import DomainError
from app.extensions import db
from app.models import (
    Engagement,
    EngagementEvent,
    EngagementOrigin,
    EngagementStage,
    Organization,
    Scenario,
    User,
)
from app.models.engagement import MAX_CONTRACT_WAN
from app.notifications import services as notifications
from app.security.policies import engagement_party

PUBLISHER = "publisher"
FIRM = "firm"
PARTY_NAMES = {PUBLISHER: "场景发布单位", FIRM: "数字企业"}
MAX_NOTE = 2000


@dataclass(frozen=True)
class Transition:
    """One allowed move: from which stages, to which, by which parties."""

    sources: frozenset[EngagementStage]
    target: EngagementStage
    parties: frozenset[str]
    label: str


S = EngagementStage
TRANSITIONS: dict[EngagementStage, Transition] = {
    S.NEGOTIATING: Transition(
        frozenset({S.INTENT}), S.NEGOTIATING, frozenset({PUBLISHER, FIRM}), "进入洽谈"
    ),
    S.SIGNED: Transition(frozenset({S.NEGOTIATING}), S.SIGNED, frozenset({PUBLISHER}), "确认签约"),
    S.LANDED: Transition(frozenset({S.SIGNED}), S.LANDED, frozenset({FIRM}), "确认落地"),
    S.TERMINATED: Transition(
        frozenset({S.INTENT, S.NEGOTIATING, S.SIGNED}),
        S.TERMINATED,
        frozenset({PUBLISHER, FIRM}),
        "终止对接",
    ),
}


@dataclass(frozen=True)
class StageChange:
    """What a party submits to move an engagement; only the target's fields are read."""

    target: EngagementStage
    note: str = ""
    expected_version: int | None = None
    contract_amount_wan: Decimal | None = None
    contract_date: date | None = None
    golive_date: date | None = None
    result_summary: str = ""
    end_reason: str = ""


def open_engagement(
    actor: User,
    scenario: Scenario,
    firm: Organization,
    origin: EngagementOrigin,
    note: str,
    **fields: Any,
) -> Engagement:
    """Start an engagement at 意向 with its first timeline event (flushed)."""
    engagement = Engagement(scenario=scenario, firm=firm, origin=origin, stage=S.INTENT, **fields)
    db.session.add(engagement)
    engagement.events.append(
        EngagementEvent(
            actor_id=getattr(actor, "id", None), from_stage=None, to_stage=S.INTENT, note=note
        )
    )
    db.session.flush()
    audit.record(actor, "engagement_open", engagement, origin.value)
    return engagement


def allowed(user: User, engagement: Engagement) -> list[Transition]:
    """The moves this user may make now (what the page offers)."""
    party = engagement_party(user, engagement)
    return [t for t in TRANSITIONS.values() if engagement.stage in t.sources and party in t.parties]


def check_version(engagement: Engagement, expected: int | None) -> None:
    """Refuse a change based on a stale page: someone else moved the engagement meanwhile."""
    if expected is not None and expected != engagement.lock_version:
        raise DomainError("该对接已被对方或他人更新，请刷新页面查看最新进展后再操作。")


def change_stage(user: User, engagement: Engagement, change: StageChange) -> EngagementEvent:
    """Move an engagement one step, recording who, when and why; tell the other side."""
    check_version(engagement, change.expected_version)
    transition = _transition(engagement, change.target)
    party = engagement_party(user, engagement)
    if party not in transition.parties:
        who = "或".join(PARTY_NAMES[p] for p in sorted(transition.parties, reverse=True))
        raise DomainError(f"只有{who}可以{transition.label}。")
    note = change.note.strip()
    if len(note) > MAX_NOTE:
        raise DomainError(f"备注不能超过{MAX_NOTE}个字。", field="note")
    _apply_fields(engagement, change)
    source = engagement.stage
    engagement.stage = change.target
    event = EngagementEvent(
        actor_id=user.id, from_stage=source, to_stage=change.target, note=_event_note(change, note)
    )
    engagement.events.append(event)
    db.session.flush()
    audit.record(user, f"engagement_{change.target.value}", engagement, note)
    _tell_other_side(engagement, party, transition)
    return event


def _transition(engagement: Engagement, target: EngagementStage) -> Transition:
    transition = TRANSITIONS.get(target)
    if transition is None or engagement.stage not in transition.sources:
        raise DomainError(f"对接当前为“{engagement.stage.label}”，不能变更为“{target.label}”。")
    return transition


def _apply_fields(engagement: Engagement, change: StageChange) -> None:
    today = clock.today()  # the parties' calendar: a contract signed today is never 'future'
    if change.target is S.SIGNED:
        engagement.contract_amount_wan = valid_amount(change.contract_amount_wan)
        if change.contract_date is None:
            raise DomainError("请填写签约日期。", field="contract_date")
        if change.contract_date > today:
            raise DomainError("签约日期不能晚于今天。", field="contract_date")
        engagement.contract_date = change.contract_date
    elif change.target is S.LANDED:
        if change.golive_date is None:
            raise DomainError("请填写上线日期。", field="golive_date")
        if change.golive_date > today:
            raise DomainError("上线日期不能晚于今天。", field="golive_date")
        if engagement.contract_date and change.golive_date < engagement.contract_date:
            raise DomainError("上线日期不能早于签约日期。", field="golive_date")
        if not change.result_summary.strip():
            raise DomainError("请简述落地成效。", field="result_summary")
        engagement.golive_date = change.golive_date
        engagement.result_summary = change.result_summary.strip()
    elif change.target is S.TERMINATED:
        if not change.end_reason.strip():
            raise DomainError("终止对接时请填写原因。", field="end_reason")
        engagement.end_reason = change.end_reason.strip()


def valid_amount(amount: Decimal | None) -> Decimal:
    """A contract amount in 万元: positive, at most 100亿元, two decimals."""
    if amount is None:
        raise DomainError("请填写合同金额（万元）。", field="contract_amount_wan")
    if not amount.is_finite() or amount <= 0:
        raise DomainError("合同金额必须大于0。", field="contract_amount_wan")
    if amount > MAX_CONTRACT_WAN:
        raise DomainError(
            f"合同金额不能超过{MAX_CONTRACT_WAN:,}万元，请核对单位（万元）。",
            field="contract_amount_wan",
        )
    return amount.quantize(Decimal("0.01"))


def _event_note(change: StageChange, note: str) -> str:
    """The timeline keeps the facts of the step along with the party's own note."""
    facts = ""
    if change.target is S.SIGNED and change.contract_amount_wan is not None:
        facts = (
            f"合同金额 {amounts.wan(change.contract_amount_wan)}，签约日期 {change.contract_date}"
        )
    elif change.target is S.LANDED:
        facts = f"上线日期 {change.golive_date}；成效：{change.result_summary.strip()}"
    elif change.target is S.TERMINATED:
        facts = f"终止原因：{change.end_reason.strip()}"
    return "\n".join(part for part in (facts, note) if part)


def _tell_other_side(engagement: Engagement, party: str | None, transition: Transition) -> None:
    other = engagement.firm_id if party == PUBLISHER else engagement.publisher_id
    notifications.notify_organization(
        other,
        "stage_changed",
        f"“{engagement.scenario.title}”对接进展：{transition.target.label}",
        link=f"/engagements/{engagement.id}",
    )
