"""The charts everyone sees: aggregates only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

import sqlalchemy as sa

from app import taxonomy
from app.dashboard.aggregates import (
    BEIJING,
    SIGNED,
    as_amount,
    as_int,
    count_if,
    ever_published,
    month_of,
    percent,
    shared_figure,
)
from app.dashboard.headline import (
    engagement_stages,
    local_signed,
    recommendation_counts,
    scenario_breakdown,
    stage_origin,
    sum_by,
)
from app.dashboard.tables import Cell, Chart
from app.extensions import db
from app.i18n import N_
from app.models import (
    Capability,
    Engagement,
    EngagementEvent,
    EngagementOrigin,
    EngagementStage,
    ListingStatus,
    Organization,
    RecommendationStatus,
    Scenario,
    TaxonomyTerm,
)
from app.models.listing import capability_domains, capability_tags
from app.models.listing import scenario_tags as scenario_tag_links

FUNNEL = (
    EngagementStage.INTENT,
    EngagementStage.NEGOTIATING,
    EngagementStage.SIGNED,
    EngagementStage.LANDED,
)


def by_domain() -> Chart:
    """Scenarios and capabilities published, by application domain."""
    scenarios = sum_by(scenario_breakdown(), lambda k: k[0] if k[3] else None)
    never_published = sa.select(Capability.id).where(Capability.published_at.is_(None))
    per_term = _minus(
        _links_per_term(capability_domains, capability_domains.c.capability_id),
        _links_per_term(capability_domains, capability_domains.c.capability_id, never_published),
    )
    names = {
        i: name for i, name in db.session.execute(sa.select(TaxonomyTerm.id, TaxonomyTerm.name))
    }
    capabilities: dict[str, int] = {}
    for term_id, n in per_term.items():
        capabilities[names[term_id]] = capabilities.get(names[term_id], 0) + n
    rows = [(d, scenarios.get(d, 0), capabilities.get(d, 0)) for d in taxonomy.names("domain")]
    return Chart(
        "domains",
        N_("按应用领域：已发布场景与能力"),
        "bar",
        (N_("应用领域"), N_("场景"), N_("能力")),
        tuple(rows),
    )


def _grouped(query: sa.Select[*tuple[Any, ...]]) -> dict[Any, int]:
    return {key: as_int(n) for key, n in db.session.execute(query)}


def _links_per_term(
    link: sa.Table, owner: sa.Column[int], owners: sa.Select[int] | None = None
) -> dict[int, int]:
    """A tag or domain link table's rows per term: all of them, or only those of some owners.

    Listings per term are counted as all links minus the links of the listings left out: the
    total is an index-only count, and the few excluded listings' links are found by probing
    the primary key, where joining every link to its listing reads every listing's row.
    """
    query = sa.select(link.c.term_id, sa.func.count()).group_by(link.c.term_id)
    if owners is not None:
        query = query.where(owner.in_(owners))
    return _grouped(query)


def _minus(total: dict[Any, int], part: dict[Any, int]) -> dict[Any, int]:
    return {key: n - part.get(key, 0) for key, n in total.items()}


def by_technology() -> Chart:
    """Demand (open scenarios' tags) against supply (offered capabilities' tags, local ones apart)."""
    not_on_offer = [s for s in ListingStatus if s is not ListingStatus.PUBLISHED]
    demand = _minus(
        _links_per_term(scenario_tag_links, scenario_tag_links.c.scenario_id),
        _links_per_term(
            scenario_tag_links,
            scenario_tag_links.c.scenario_id,
            sa.select(Scenario.id).where(Scenario.status.in_(not_on_offer)),
        ),
    )
    cap = capability_tags.c.capability_id
    offered = _minus(
        _links_per_term(capability_tags, cap),
        _links_per_term(
            capability_tags,
            cap,
            sa.select(Capability.id).where(Capability.status.in_(not_on_offer)),
        ),
    )
    # firms from elsewhere are the minority: count their offers and subtract
    from_elsewhere = _links_per_term(
        capability_tags,
        cap,
        sa.select(Capability.id)
        .join(Organization, Organization.id == Capability.organization_id)
        .where(Capability.status == ListingStatus.PUBLISHED, Organization.is_local.is_(False)),
    )
    supply = {t: (n, n - from_elsewhere.get(t, 0)) for t, n in offered.items()}
    rows = []
    for term in taxonomy.lookup("tag").values():
        total, local = supply.get(term.id, (0, 0))
        wanted = demand.get(term.id, 0)
        gap = N_("无本地供给") if wanted and not local else ""
        rows.append((term.position, term.name, wanted, total, local, gap))
    rows.sort(key=lambda r: (-r[2], -r[4], r[0]))
    return Chart(
        "technologies",
        N_("技术方向：需求（在招场景）与供给（在架能力）"),
        "bar",
        (N_("技术方向"), N_("需求场景"), N_("供给能力"), N_("其中本地企业"), N_("缺口")),
        tuple(r[1:] for r in rows),
        note=N_("缺口：有场景需求但尚无本地企业的在架能力。"),
    )


def by_district() -> Chart:
    """Activity by district: scenarios there, capabilities of firms there, engagements, contracts."""
    scenarios = sum_by(scenario_breakdown(), lambda k: k[1] if k[3] else None)
    # count per firm first (an index scan), then add the firms' districts
    per_firm = (
        sa.select(Capability.organization_id, sa.func.count().label("n"))
        .where(ever_published(Capability))
        .group_by(Capability.organization_id)
        .subquery()
    )
    capabilities = _grouped(
        sa.select(Organization.district, sa.func.sum(per_firm.c.n))
        .join(Organization, Organization.id == per_firm.c.organization_id)
        .group_by(Organization.district)
    )
    # count per scenario first (an index scan), then add the scenarios' districts
    per_scenario = (
        sa.select(
            Engagement.scenario_id,
            sa.func.count().label("total"),
            count_if(Engagement.stage.in_(SIGNED)).label("signed"),
        )
        .group_by(Engagement.scenario_id)
        .subquery()
    )
    engagements = {
        district: (as_int(total), as_int(signed))
        for district, total, signed in db.session.execute(
            sa.select(
                Scenario.district,
                sa.func.sum(per_scenario.c.total),
                sa.func.sum(per_scenario.c.signed),
            )
            .join(Scenario, Scenario.id == per_scenario.c.scenario_id)
            .group_by(Scenario.district)
        )
    }
    rows = [
        (d, scenarios.get(d, 0), capabilities.get(d, 0), *engagements.get(d, (0, 0)))
        for d in taxonomy.names("district")
    ]
    return Chart(
        "districts",
        N_("区县活跃度"),
        "grid",
        (N_("区县"), N_("场景"), N_("能力"), N_("对接"), N_("签约")),
        tuple(rows),
        note=N_("场景按场景所在区县，能力按企业所在区县，对接与签约按场景所在区县统计。"),
    )


def by_month() -> Chart:
    """Scenarios and capabilities published, engagements started and contracts signed, by month."""
    stamped = [
        (Scenario.published_at, ever_published(Scenario)),
        (Capability.published_at, ever_published(Capability)),
        (Engagement.created_at, sa.true()),
    ]
    series = _monthly_counts(stamped)
    contracts = contracts_by_month_raw()
    series.append({m: n for m, (n, _) in contracts.items()})
    months = sorted({m for s in series for m, n in s.items() if m and n})
    rows: list[tuple[str | int | float | None, ...]] = [
        (m, *(s.get(m, 0) for s in series)) for m in months
    ]
    return Chart(
        "months",
        N_("按月：发布、对接与签约"),
        "line",
        (N_("月份"), N_("发布场景"), N_("发布能力"), N_("新增对接"), N_("签约")),
        tuple(rows),
    )


def _monthly_counts(stamped: Sequence[tuple[Any, Any]]) -> list[dict[str, int]]:
    """Rows per Beijing month for each (timestamp column, condition), zero months included.

    Counting the index range between two month boundaries needs no per-row date arithmetic
    (formatting every row's timestamp was 80% of this chart's time): one query finds each
    series' first and last timestamp, one more counts every month of every series.
    """
    bounds = sa.select(
        *(
            sa.select(agg(column)).where(condition).scalar_subquery()
            for column, condition in stamped
            for agg in (sa.func.min, sa.func.max)
        )
    )
    ends = [_utc(value) for value in db.session.execute(bounds).one()]
    spans = [(ends[2 * i], ends[2 * i + 1]) for i in range(len(stamped))]
    found = [v for v in ends if v is not None]
    if not found:
        return [{} for _ in stamped]
    months = list(pairwise(_month_starts(min(found), max(found))))
    # (series, month label, start, end) for every month within each series' own span
    cells = [
        (i, label, start, end)
        for i, (first, last) in enumerate(spans)
        if first is not None and last is not None
        for (label, start), (_, end) in months
        if end > first and start <= last
    ]
    counts = sa.select(
        *(
            sa.select(sa.func.count())
            .where(stamped[i][1], stamped[i][0] >= start, stamped[i][0] < end)
            .scalar_subquery()
            for i, _, start, end in cells
        )
    )
    series: list[dict[str, int]] = [{} for _ in stamped]
    for (i, label, _, _), n in zip(cells, db.session.execute(counts).one(), strict=True):
        series[i][label] = as_int(n)
    return series


def _utc(value: datetime | None) -> datetime | None:
    """An aware UTC timestamp (SQLite hands back naive UTC ones)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _month_starts(first: datetime, last: datetime) -> list[tuple[str, datetime]]:
    """Each Beijing month from first's to last's as (YYYY-MM, its start in UTC), then the end."""
    local = first.astimezone(BEIJING)
    year, month = local.year, local.month
    starts = []
    while True:
        start = datetime(year, month, 1, tzinfo=BEIJING).astimezone(UTC)
        if start > last:
            starts.append(("", start))
            return starts
        starts.append((f"{year:04d}-{month:02d}", start))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def contracts_by_month_raw() -> dict[str, tuple[int, float]]:
    """Signed engagements and their amounts by contract month."""
    return shared_figure("contracts_by_month", _contracts_by_month_query)


def _contracts_by_month_query() -> dict[str, tuple[int, float]]:
    month = month_of(Engagement.contract_date, is_date=True)
    query = (
        sa.select(month, sa.func.count(Engagement.id), sa.func.sum(Engagement.contract_amount_wan))
        .where(Engagement.stage.in_(SIGNED))
        .group_by(month)
    )
    return {m: (as_int(n), as_amount(amount)) for m, n, amount in db.session.execute(query) if m}


def contracts() -> Chart:
    """Contracts signed and their amounts by month."""
    rows = [(m, n, amount) for m, (n, amount) in sorted(contracts_by_month_raw().items())]
    return Chart(
        "contracts",
        N_("签约数与签约金额（万元）"),
        "bar",
        (N_("月份"), N_("签约数"), N_("金额（万元）")),
        tuple(rows),
    )


def recommendations() -> Chart:
    """Recommendations made, by review outcome."""
    counts = recommendation_counts()
    rows = [(status.label, counts[status]) for status in RecommendationStatus]
    return Chart(
        "recommendations",
        N_("平台推荐：审核结果"),
        "pie",
        (N_("状态"), N_("推荐数")),
        tuple(rows),
        private=True,
    )


def funnel() -> Chart:
    """Engagements by stage as a funnel: how many reached each stage, and conversion rates.

    A terminated engagement reached the stage it was ended from (its 已终止 event's
    from_stage); without such an event it counts as having reached 意向 only.
    """
    rank = {stage: i + 1 for i, stage in enumerate(FUNNEL)}
    current = dict.fromkeys(EngagementStage, 0)
    current.update({stage: n for stage, (n, _) in engagement_stages().items()})
    # how many engagements got as far as each rank: the live ones by their stage ...
    at_rank = dict.fromkeys(range(1, len(FUNNEL) + 1), 0)
    for stage, n in current.items():
        if stage is not EngagementStage.TERMINATED:
            at_rank[rank.get(stage, 1)] += n
    # ... the terminated ones by the stage they were ended from (rank 1 without such an event)
    ended = _terminated_by_rank(rank)
    ended[1] = ended.get(1, 0) + current[EngagementStage.TERMINATED] - sum(ended.values())
    for r, n in ended.items():
        at_rank[r] += n
    reached_counts = [sum(n for r, n in at_rank.items() if r >= rank[stage]) for stage in FUNNEL]
    rows: list[tuple[Cell, ...]] = []
    for i, stage in enumerate(FUNNEL):
        before = reached_counts[i - 1] if i else None
        rate = percent(reached_counts[i], before) if before is not None else None
        rows.append((stage.label, reached_counts[i], current[stage], rate))
    terminated = EngagementStage.TERMINATED
    rows.append((terminated.label, current[terminated], current[terminated], None))
    return Chart(
        "funnel",
        N_("对接漏斗"),
        "funnel",
        (N_("阶段"), N_("到达该阶段"), N_("当前处于该阶段"), N_("较上一阶段转化率（%）")),
        tuple(rows),
        note=N_("到达该阶段：当前处于该阶段或已越过该阶段（已终止的对接计入其终止前所处阶段）。"),
        plot_rows=len(FUNNEL),
    )


def _terminated_by_rank(rank: dict[EngagementStage, int]) -> dict[int, int]:
    """Terminated engagements with a 已终止 event, by the highest stage rank they were ended from."""
    per_engagement = (
        sa.select(
            EngagementEvent.engagement_id,
            sa.func.max(sa.case(rank, value=EngagementEvent.from_stage, else_=1)).label("rank"),
        )
        .join(Engagement, Engagement.id == EngagementEvent.engagement_id)
        .where(
            EngagementEvent.to_stage == EngagementStage.TERMINATED,
            Engagement.stage == EngagementStage.TERMINATED,
        )
        .group_by(EngagementEvent.engagement_id)
        .subquery()
    )
    query = sa.select(per_engagement.c.rank, sa.func.count()).group_by(per_engagement.c.rank)
    return {as_int(r): as_int(n) for r, n in db.session.execute(query)}


def origins() -> Chart:
    """Engagements by how they started, with contracts and amounts."""
    found: dict[EngagementOrigin, tuple[int, int, Any]] = {}
    for (stage, origin), (n, amount) in stage_origin().items():
        total, signed, summed = found.get(origin, (0, 0, 0))
        if stage in SIGNED:
            signed, summed = signed + n, summed + amount
        found[origin] = (total + n, signed, summed)
    rows = [(o.label, *found.get(o, (0, 0, 0))) for o in EngagementOrigin]
    rows = [(label, n, signed, as_amount(amount)) for label, n, signed, amount in rows]
    return Chart(
        "origins",
        N_("对接来源"),
        "bar",
        (N_("来源"), N_("对接数"), N_("签约数"), N_("签约金额（万元）")),
        tuple(rows),
    )


def local_share() -> Chart:
    """Signed engagements and amounts won by local firms and by firms from elsewhere."""
    found = local_signed()
    total = sum(n for n, _ in found.values())
    rows = [
        (label, *found.get(local, (0, 0.0)), percent(found.get(local, (0, 0.0))[0], total))
        for local, label in ((True, N_("本地企业")), (False, N_("外地企业")))
    ]
    return Chart(
        "local",
        N_("签约对接：本地企业占比"),
        "pie",
        (N_("企业"), N_("签约数"), N_("签约金额（万元）"), N_("占比（%）")),
        tuple(rows),
    )
