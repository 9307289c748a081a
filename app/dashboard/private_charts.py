"""The charts only administrators see: organisation-level amounts, rejection reasons, unpublished listings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa

from app import clock
from app.dashboard.aggregates import SIGNED, as_amount, as_int
from app.dashboard.headline import capability_breakdown, scenario_breakdown, sum_by
from app.dashboard.tables import Cell, Chart
from app.extensions import db
from app.models import (
    Capability,
    Engagement,
    Organization,
    Recommendation,
    RecommendationStatus,
    Scenario,
)
from app.models.listing import LISTING_STATUS_LABELS

TOP_FIRMS = 20
RECENT_REJECTIONS = 50


def listing_statuses() -> Chart:
    """Every listing by status, unpublished ones included (administrators only)."""
    found = [
        sum_by(scenario_breakdown(), lambda k: k[2]),
        sum_by(capability_breakdown(), lambda k: k[0]),
    ]
    rows = [
        (label, found[0].get(status, 0), found[1].get(status, 0))
        for status, label in LISTING_STATUS_LABELS.items()
    ]
    return Chart(
        "statuses",
        "全部场景与能力：按状态（含未发布）",
        "bar",
        ("状态", "场景", "能力"),
        tuple(rows),
        private=True,
    )


def firm_contracts(limit: int = TOP_FIRMS) -> Chart:
    """The firms with the largest signed amounts (administrators only)."""
    # total per stage and firm first (streaming the signed rows of one covering index in
    # order), then per firm, then name the top firms; grouping by firm alone makes SQLite
    # walk the firm index and read every engagement row
    per_stage = (
        sa.select(
            Engagement.firm_id,
            sa.func.count().label("signed"),
            sa.func.sum(Engagement.contract_amount_wan).label("amount"),
        )
        .where(Engagement.stage.in_(SIGNED))
        .group_by(Engagement.stage, Engagement.firm_id)
        .subquery()
    )
    per_firm = (
        sa.select(
            per_stage.c.firm_id,
            sa.func.sum(per_stage.c.signed).label("signed"),
            sa.func.sum(per_stage.c.amount).label("amount"),
        )
        .group_by(per_stage.c.firm_id)
        .subquery()
    )
    query = (
        sa.select(Organization.name, Organization.is_local, per_firm.c.signed, per_firm.c.amount)
        .join(Organization, Organization.id == per_firm.c.firm_id)
        .order_by(per_firm.c.amount.desc(), Organization.name)
        .limit(limit)
    )
    rows = [
        (name, "是" if local else "否", as_int(n), as_amount(a))
        for name, local, n, a in db.session.execute(query)
    ]
    headings = ("企业", "本地", "签约数", "签约金额（万元）")
    return _admin_table("firms", f"签约金额前{limit}名企业", headings, rows)


def rejection_reasons(limit: int = RECENT_REJECTIONS) -> Chart:
    """The latest turned-down recommendations with their reasons (administrators only)."""
    query = (
        sa.select(
            Recommendation.reviewed_at, Scenario.title, Capability.title, Recommendation.review_note
        )
        .join(Scenario, Scenario.id == Recommendation.scenario_id)
        .join(Capability, Capability.id == Recommendation.capability_id)
        .where(Recommendation.status == RecommendationStatus.REJECTED)
        .order_by(Recommendation.reviewed_at.desc(), Recommendation.id.desc())
        .limit(limit)
    )
    rows = [
        (_day(when), scenario, capability, note)
        for when, scenario, capability, note in db.session.execute(query)
    ]
    headings = ("审核日期", "场景", "能力", "驳回原因")
    return _admin_table("rejections", f"最近驳回的推荐及原因（最多{limit}条）", headings, rows)


def _admin_table(
    key: str, title: str, headings: tuple[str, ...], rows: Sequence[tuple[Cell, ...]]
) -> Chart:
    """A chart shown as a plain table, to administrators only."""
    return Chart(key, title, "table", headings, tuple(rows), private=True)


def _day(value: date | datetime | None) -> str:
    if isinstance(value, datetime):
        value = clock.local_date(value)
    return value.strftime("%Y-%m-%d") if value else ""
