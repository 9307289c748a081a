"""The city's figures, each computed by SQL aggregation and returned as plain dataclasses.

Every chart is a small table (columns and rows) so the same object feeds the chart, its
accessible table fallback and the CSV/XLSX downloads. Public charts hold aggregates only;
charts marked private (organisation-level amounts, rejection reasons, unpublished listings)
exist only on the administrators' dashboard.

Definitions (shown on the page too):
- a listing counts as published when it has been published at least once (published_at set),
  so closed and expired ones stay in the city's record; supply and demand of technologies
  use what is on offer now (status 已发布);
- an engagement is signed when its stage is 已签约 or 已落地;
- months are Beijing time (UTC+8, no daylight saving).

Speed (docs/performance-dashboard.md): a dashboard is built from about twenty aggregate queries
that read narrow covering indexes (app/models/reporting.py); figures several charts share are
computed once per build (`_shared`); timestamps are bucketed into months by counting index
ranges between month boundaries rather than formatting every row's date; and `build` can run
the summary and the charts on several connections at once (DASHBOARD_WORKERS).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from functools import partial
from itertools import pairwise
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import current_app

from app import clock, taxonomy
from app.dashboard import figures
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
    Recommendation,
    RecommendationStatus,
    Scenario,
    TaxonomyTerm,
)
from app.models.listing import LISTING_STATUS_LABELS, capability_domains, capability_tags
from app.models.listing import scenario_tags as scenario_tag_links

Cell = str | int | float | None
SIGNED = (EngagementStage.SIGNED, EngagementStage.LANDED)
FUNNEL = (
    EngagementStage.INTENT,
    EngagementStage.NEGOTIATING,
    EngagementStage.SIGNED,
    EngagementStage.LANDED,
)
TOP_FIRMS = 20
RECENT_REJECTIONS = 50
BEIJING = timezone(timedelta(hours=8))
T = TypeVar("T")

# figures shared by several charts, computed once per dashboard build (None outside a build)
_MEMO: ContextVar[dict[str, Any] | None] = ContextVar("dashboard_memo", default=None)


@dataclass(frozen=True)
class Chart:
    """One figure as a table: the chart, its table fallback and its downloads share it."""

    key: str
    title: str
    kind: str  # bar | line | funnel | pie | grid | table (how dashboard.js draws it)
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""
    private: bool = False
    plot_rows: int | None = None  # only the first n rows are drawn (the rest are table-only)

    def spec(self, label: Callable[[str], str] = str) -> dict[str, Any]:
        """What dashboard.js needs to draw the chart (JSON-serialisable).

        label shows a Chinese label (title, column, text cell) in the page's language: the
        template passes app.i18n.translate; the chart itself stays Chinese.
        """
        rows = self.rows if self.plot_rows is None else self.rows[: self.plot_rows]
        return {
            "kind": self.kind,
            "title": label(self.title),
            "columns": tuple(label(c) for c in self.columns),
            "rows": tuple(tuple(label(v) if isinstance(v, str) else v for v in r) for r in rows),
        }


@dataclass(frozen=True)
class Summary:
    """The headline figures."""

    scenarios_published: int
    capabilities_published: int
    recommendations_made: int
    recommendations_approved: int
    recommendations_rejected: int
    engagements: int
    contracts_signed: int
    contract_amount_wan: float
    local_signed: int
    median_days_to_first_engagement: float | None
    # headline figures shared with the home page (app/dashboard/figures.py); defaults keep
    # snapshots stored before they existed readable
    firms: int = 0
    recommended_engagements: int = 0

    @property
    def local_share(self) -> float | None:
        """Share of signed engagements won by local firms (None before the first contract)."""
        return self.local_signed / self.contracts_signed if self.contracts_signed else None


@dataclass(frozen=True)
class Dashboard:
    """Everything one dashboard page shows."""

    summary: Summary
    charts: tuple[Chart, ...]
    admin: bool = False
    generated_at: datetime | None = field(default=None, compare=False)

    def chart(self, key: str) -> Chart | None:
        """One chart by key."""
        return next((c for c in self.charts if c.key == key), None)


# ---------------------------------------------------------------- portable SQL pieces


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _month(column: Any, *, is_date: bool = False) -> Any:
    """YYYY-MM of a timestamp in Beijing time (or of a date), computed by the database."""
    if _dialect() == "postgresql":
        local = column if is_date else sa.func.timezone("Asia/Shanghai", column)
        return sa.func.to_char(local, "YYYY-MM")
    if is_date:
        return sa.func.strftime("%Y-%m", column)
    return sa.func.strftime("%Y-%m", column, "+8 hours")


def _days_between(later: Any, earlier: Any) -> Any:
    """later - earlier in (fractional) days."""
    if _dialect() == "postgresql":
        return sa.func.extract("epoch", later - earlier) / 86400.0
    return sa.func.julianday(later) - sa.func.julianday(earlier)


def _count_if(condition: Any) -> Any:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _num(value: Any) -> float:
    """A SQL sum (Decimal, int, float or NULL) as a float rounded to fen."""
    return round(float(value or 0), 2)


def _int(value: Any) -> int:
    return int(value or 0)


def _ever_published(model: type[Scenario] | type[Capability]) -> Any:
    return model.published_at.is_not(None)


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


@contextmanager
def _one_build() -> Iterator[None]:
    """Within this block, a figure several charts share is computed once (they agree)."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def _shared(key: str, compute: Callable[[], T]) -> T:
    """compute(), or its result from earlier in the same build (once, even across workers)."""
    memo = _MEMO.get()
    if memo is None:
        return compute()
    with memo.setdefault(f"lock:{key}", threading.Lock()):  # setdefault is atomic
        if key not in memo:
            memo[key] = compute()
    result: T = memo[key]
    return result


# ---------------------------------------------------------------- headline figures


def summary() -> Summary:
    """The headline figures (a handful of aggregate queries)."""
    recs = recommendation_counts()
    stages = engagement_stages()
    signed = [stages.get(stage, (0, 0.0)) for stage in SIGNED]
    local = _local_signed()
    shared = _shared("headline", figures.headline)
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


def _stage_origin() -> dict[tuple[EngagementStage, EngagementOrigin], tuple[int, Any]]:
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
        return {(st, o): (_int(n), amount or 0) for st, o, n, amount in db.session.execute(query)}

    return _shared("stage_origin", compute)


def engagement_stages() -> dict[EngagementStage, tuple[int, float]]:
    """Engagements and contract amounts by current stage."""
    found: dict[EngagementStage, tuple[int, Any]] = {}
    for (stage, _), (n, amount) in _stage_origin().items():
        total, summed = found.get(stage, (0, 0))
        found[stage] = (total + n, summed + amount)
    return {stage: (n, _num(amount)) for stage, (n, amount) in found.items()}


def _local_signed() -> dict[bool, tuple[int, float]]:
    """Signed engagements and amounts by whether the firm is local."""
    return _shared("local_signed", _local_signed_query)


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
    return {bool(local): (_int(n), _num(a)) for local, n, a in db.session.execute(query)}


def _scenario_breakdown() -> dict[tuple[str, str, ListingStatus, bool], int]:
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
            found[(domain, district, status, True)] = _int(published)
            found[(domain, district, status, False)] = _int(n) - _int(published)
        return found

    return _shared("scenarios", compute)


def _capability_breakdown() -> dict[tuple[ListingStatus, bool], int]:
    """Capabilities per (status, ever published): the headline count and the status chart."""

    def compute() -> dict[tuple[ListingStatus, bool], int]:
        query = sa.select(
            Capability.status, sa.func.count(), sa.func.count(Capability.published_at)
        ).group_by(Capability.status)
        found = {}
        for status, n, published in db.session.execute(query):
            found[(status, True)] = _int(published)
            found[(status, False)] = _int(n) - _int(published)
        return found

    return _shared("capabilities", compute)


def _sum_by(counts: dict[Any, int], key: Callable[[Any], Any]) -> dict[Any, int]:
    """Counts added up under key(k), keys mapped to None left out."""
    found: dict[Any, int] = {}
    for k, n in counts.items():
        if (group := key(k)) is not None:
            found[group] = found.get(group, 0) + n
    return found


def recommendation_counts() -> dict[RecommendationStatus, int]:
    """Recommendations by status (GROUP BY status)."""
    return _shared("recommendations", _recommendation_counts_query)


def _recommendation_counts_query() -> dict[RecommendationStatus, int]:
    query = sa.select(Recommendation.status, sa.func.count(Recommendation.id)).group_by(
        Recommendation.status
    )
    counts = dict.fromkeys(RecommendationStatus, 0)
    counts.update({status: _int(n) for status, n in db.session.execute(query)})
    return counts


# ---------------------------------------------------------------- median days


def _first_engagement_days() -> sa.Subquery:
    """Per published scenario with engagements: days from publication to its first engagement.

    The first contact per scenario is found first (one pass over an index), and only those
    rows are joined to their scenarios: joining every engagement first is twice as slow.
    """
    first = (
        sa.select(Engagement.scenario_id, sa.func.min(Engagement.created_at).label("first"))
        .group_by(Engagement.scenario_id)
        .subquery()
    )
    return (
        sa.select(_days_between(first.c.first, Scenario.published_at).label("days"))
        .select_from(first)
        .join(Scenario, Scenario.id == first.c.scenario_id)
        .where(Scenario.published_at.is_not(None))
        .subquery()
    )


def median_days_to_first_engagement() -> float | None:
    """The median, by percentile_cont on PostgreSQL, else by the portable ORDER BY/OFFSET form."""
    if _dialect() == "postgresql":
        return median_days_percentile_cont()
    return median_days_portable()


def median_days_percentile_cont() -> float | None:
    """PostgreSQL's ordered-set aggregate over the per-scenario day differences."""
    days = _first_engagement_days()
    value = db.session.scalar(sa.select(sa.func.percentile_cont(0.5).within_group(days.c.days)))
    return None if value is None else round(float(value), 1)


def median_days_portable() -> float | None:
    """Any SQL database with window functions: average the one or two middle values."""
    days = _first_engagement_days()
    ranked = sa.select(
        days.c.days,
        sa.func.row_number().over(order_by=days.c.days).label("rn"),
        sa.func.count().over().label("n"),
    ).subquery()
    middle = sa.or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2)
    value = db.session.scalar(sa.select(sa.func.avg(ranked.c.days)).where(middle))
    return None if value is None else round(float(value), 1)


# ---------------------------------------------------------------- public charts


def by_domain() -> Chart:
    """Scenarios and capabilities published, by application domain."""
    scenarios = _sum_by(_scenario_breakdown(), lambda k: k[0] if k[3] else None)
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
    return {key: _int(n) for key, n in db.session.execute(query)}


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
    scenarios = _sum_by(_scenario_breakdown(), lambda k: k[1] if k[3] else None)
    # count per firm first (an index scan), then add the firms' districts
    per_firm = (
        sa.select(Capability.organization_id, sa.func.count().label("n"))
        .where(_ever_published(Capability))
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
            _count_if(Engagement.stage.in_(SIGNED)).label("signed"),
        )
        .group_by(Engagement.scenario_id)
        .subquery()
    )
    engagements = {
        district: (_int(total), _int(signed))
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
        (Scenario.published_at, _ever_published(Scenario)),
        (Capability.published_at, _ever_published(Capability)),
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
        series[i][label] = _int(n)
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
    return _shared("contracts_by_month", _contracts_by_month_query)


def _contracts_by_month_query() -> dict[str, tuple[int, float]]:
    month = _month(Engagement.contract_date, is_date=True)
    query = (
        sa.select(month, sa.func.count(Engagement.id), sa.func.sum(Engagement.contract_amount_wan))
        .where(Engagement.stage.in_(SIGNED))
        .group_by(month)
    )
    return {m: (_int(n), _num(amount)) for m, n, amount in db.session.execute(query) if m}


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
        rate = _pct(reached_counts[i], before) if before is not None else None
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
    return {_int(r): _int(n) for r, n in db.session.execute(query)}


def origins() -> Chart:
    """Engagements by how they started, with contracts and amounts."""
    found: dict[EngagementOrigin, tuple[int, int, Any]] = {}
    for (stage, origin), (n, amount) in _stage_origin().items():
        total, signed, summed = found.get(origin, (0, 0, 0))
        if stage in SIGNED:
            signed, summed = signed + n, summed + amount
        found[origin] = (total + n, signed, summed)
    rows = [(o.label, *found.get(o, (0, 0, 0))) for o in EngagementOrigin]
    rows = [(label, n, signed, _num(amount)) for label, n, signed, amount in rows]
    return Chart(
        "origins",
        N_("对接来源"),
        "bar",
        (N_("来源"), N_("对接数"), N_("签约数"), N_("签约金额（万元）")),
        tuple(rows),
    )


def local_share() -> Chart:
    """Signed engagements and amounts won by local firms and by firms from elsewhere."""
    found = _local_signed()
    total = sum(n for n, _ in found.values())
    rows = [
        (label, *found.get(local, (0, 0.0)), _pct(found.get(local, (0, 0.0))[0], total))
        for local, label in ((True, N_("本地企业")), (False, N_("外地企业")))
    ]
    return Chart(
        "local",
        N_("签约对接：本地企业占比"),
        "pie",
        (N_("企业"), N_("签约数"), N_("签约金额（万元）"), N_("占比（%）")),
        tuple(rows),
    )


# ---------------------------------------------------------------- private charts


def listing_statuses() -> Chart:
    """Every listing by status, unpublished ones included (administrators only)."""
    found = [
        _sum_by(_scenario_breakdown(), lambda k: k[2]),
        _sum_by(_capability_breakdown(), lambda k: k[0]),
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
        (name, "是" if local else "否", _int(n), _num(a))
        for name, local, n, a in db.session.execute(query)
    ]
    return Chart(
        "firms",
        f"签约金额前{limit}名企业",
        "table",
        ("企业", "本地", "签约数", "签约金额（万元）"),
        tuple(rows),
        private=True,
    )


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
    return Chart(
        "rejections",
        f"最近驳回的推荐及原因（最多{limit}条）",
        "table",
        ("审核日期", "场景", "能力", "驳回原因"),
        tuple(rows),
        private=True,
    )


def _day(value: date | datetime | None) -> str:
    if isinstance(value, datetime):
        value = clock.local_date(value)
    return value.strftime("%Y-%m-%d") if value else ""


# ---------------------------------------------------------------- assembling

PUBLIC_CHARTS: dict[str, Callable[[], Chart]] = {
    "domains": by_domain,
    "months": by_month,
    "technologies": by_technology,
    "districts": by_district,
    "funnel": funnel,
    "origins": origins,
    "contracts": contracts,
    "local": local_share,
}
# the review queue's outcomes (pending pairs among them) are internal: administrators only
PRIVATE_CHARTS: dict[str, Callable[[], Chart]] = {
    "recommendations": recommendations,
    "statuses": listing_statuses,
    "firms": firm_contracts,
    "rejections": rejection_reasons,
}


def chart_keys(admin: bool) -> Sequence[str]:
    """The charts a dashboard shows, in page order."""
    return [*PUBLIC_CHARTS, *(PRIVATE_CHARTS if admin else ())]


def chart(key: str, admin: bool) -> Chart | None:
    """One chart (for a download); None when unknown or not for this audience."""
    builders = {**PUBLIC_CHARTS, **(PRIVATE_CHARTS if admin else {})}
    return builders[key]() if key in builders else None


def build(admin: bool, now: datetime | None = None, workers: int = 1) -> Dashboard:
    """The whole dashboard: public aggregates, plus the private charts for administrators.

    With workers > 1 the summary and the charts are computed concurrently, each worker in its
    own app context (own session and connection): the queries are independent and the
    database does the work (SQLite releases the GIL while it runs a query).
    """
    tasks: list[Callable[[], Any]] = [
        summary,
        *(partial(chart, k, admin) for k in chart_keys(admin)),
    ]
    with _one_build():
        if workers > 1 and _shares_connections():
            results = _concurrently(tasks, workers)
        else:
            results = [task() for task in tasks]
    charts = tuple(c for c in results[1:] if c is not None)
    return Dashboard(results[0], charts, admin=admin, generated_at=now)


def _shares_connections() -> bool:
    """Whether other connections see this database (not an in-memory SQLite one)."""
    url = db.engine.url
    return not (url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"))


def _concurrently(tasks: Sequence[Callable[[], Any]], workers: int) -> list[Any]:
    """Each task's result, in order, computed by a pool of workers sharing this build's memo."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # typed as Flask, a proxy
    memo = _MEMO.get()

    def run(task: Callable[[], Any]) -> Any:
        with app.app_context():
            token = _MEMO.set(memo)
            try:
                return task()
            finally:
                _MEMO.reset(token)

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dashboard") as pool:
        return list(pool.map(run, tasks))
