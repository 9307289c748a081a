"""The dashboard's figures on a small fixed data set, exact to the unit, and who sees what."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from app.dashboard import assemble, cache, headline, median_days, public_charts, tables
from app.dashboard.export import safe_cell, to_csv
from app.extensions import db
from app.jobs import enqueue
from app.models import (
    DashboardSnapshot,
    Engagement,
    EngagementEvent,
    EngagementOrigin,
    EngagementStage,
    ListingStatus,
    Recommendation,
    RecommendationStatus,
    Role,
    User,
)
from app.models.base import utcnow
from tests.conftest import login
from tests.factories import make_capability, make_org, make_scenario, make_user


def at(day: str, hour: int = 0) -> datetime:
    """A UTC timestamp."""
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def engage(
    scenario: Any, firm: Any, days: int, stage: EngagementStage, **fields: Any
) -> Engagement:
    """An engagement started `days` after the scenario's publication."""
    values: dict[str, Any] = {"origin": EngagementOrigin.APPLICATION}
    values.update(fields)
    engagement = Engagement(
        scenario=scenario,
        firm=firm,
        stage=stage,
        created_at=scenario.published_at + timedelta(days=days),
        **values,
    )
    db.session.add(engagement)
    db.session.commit()
    return engagement


@pytest.fixture
def data() -> dict[str, Any]:
    """Four published scenarios (one closed), a draft, three firms, six engagements.

    Scenario s3 is published at 20:00 UTC on 28 February: 1 March in Beijing.
    """
    admin = make_user(None, Role.REVIEWER)
    pub = make_org(Role.PUBLISHER, name="市交通运输局")
    local1 = make_org(Role.FIRM, name="本地甲软件公司", district="历下区")
    local2 = make_org(Role.FIRM, name="本地乙科技公司", district="济南高新区")
    outsider = make_org(Role.FIRM, name="外地丙信息公司", district="历城区", is_local=False)
    s1 = make_scenario(
        pub,
        title="s1",
        domain="智慧交通",
        district="历城区",
        tags=["人工智能", "物联网"],
        published_at=at("2026-01-10"),
    )
    s2 = make_scenario(
        pub,
        title="s2",
        domain="智慧政务",
        district="历下区",
        tags=["大模型"],
        published_at=at("2026-02-01"),
    )
    s3 = make_scenario(
        pub,
        title="s3",
        domain="智慧交通",
        district="历下区",
        tags=["区块链"],
        published_at=at("2026-02-28", hour=20),
    )
    make_scenario(pub, ListingStatus.DRAFT, title="草稿场景", domain="智慧医疗", tags=["量子信息"])
    s5 = make_scenario(
        pub,
        ListingStatus.CLOSED,
        title="s5",
        domain="智慧教育",
        district="历下区",
        tags=["人工智能"],
        published_at=at("2025-12-01"),
    )
    c1 = make_capability(
        local1,
        domains=["智慧交通", "城市治理"],
        tags=["人工智能", "北斗/空天信息"],
        published_at=at("2026-01-05"),
    )
    c2 = make_capability(
        outsider, domains=["智慧政务"], tags=["大模型"], published_at=at("2026-02-03")
    )
    make_capability(local2, ListingStatus.DRAFT, tags=["区块链"])

    def rec(scenario: Any, capability: Any, status: RecommendationStatus, note: str = "") -> Any:
        decided = status is not RecommendationStatus.PENDING
        item = Recommendation(
            scenario=scenario,
            capability=capability,
            score=0.5,
            status=status,
            review_note=note,
            reviewer_id=admin.id if decided else None,
            reviewed_at=utcnow() if decided else None,
        )
        db.session.add(item)
        db.session.commit()
        return item

    r1 = rec(s1, c1, RecommendationStatus.APPROVED)
    rec(s2, c2, RecommendationStatus.REJECTED, "=预算不匹配")
    rec(s3, c1, RecommendationStatus.PENDING)

    engage(
        s1,
        local1,
        4,
        EngagementStage.LANDED,
        origin=EngagementOrigin.RECOMMENDATION,
        recommendation_id=r1.id,
        contract_amount_wan=Decimal("100"),
        contract_date=date(2026, 2, 15),
        golive_date=date(2026, 3, 1),
    )
    ended = engage(s1, outsider, 10, EngagementStage.TERMINATED, end_reason="需求变化")
    db.session.add(
        EngagementEvent(
            engagement=ended,
            from_stage=EngagementStage.NEGOTIATING,
            to_stage=EngagementStage.TERMINATED,
            note="需求变化",
        )
    )
    engage(
        s2,
        outsider,
        2,
        EngagementStage.SIGNED,
        contract_amount_wan=Decimal("50.5"),
        contract_date=date(2026, 3, 2),
    )
    engage(s2, local2, 6, EngagementStage.NEGOTIATING)
    engage(s3, local2, 9, EngagementStage.INTENT)
    engage(
        s5,
        local1,
        1,
        EngagementStage.SIGNED,
        contract_amount_wan=Decimal("30"),
        contract_date=date(2026, 3, 20),
    )
    db.session.commit()
    return {"admin": admin}


def rows(key: str, admin: bool = False) -> list[tuple[Any, ...]]:
    chart = assemble.chart(key, admin=admin)
    assert chart is not None
    return list(chart.rows)


def test_the_headline_figures(data: dict[str, Any]) -> None:
    s = headline.summary()
    assert (s.scenarios_published, s.capabilities_published) == (4, 2)
    assert (s.recommendations_made, s.recommendations_approved, s.recommendations_rejected) == (
        3,
        1,
        1,
    )
    assert (s.engagements, s.contracts_signed, s.contract_amount_wan) == (6, 3, 180.5)
    assert s.local_signed == 2
    assert s.local_share == pytest.approx(2 / 3)
    assert s.median_days_to_first_engagement == 3.0  # first engagements after 1, 2, 4, 9 days


def test_the_median_both_ways(data: dict[str, Any]) -> None:
    assert median_days.median_days_portable() == 3.0
    if db.engine.dialect.name == "postgresql":
        assert median_days.median_days_percentile_cont() == 3.0


def test_the_median_of_an_odd_count_and_of_nothing(publisher: User, firm: User) -> None:
    assert median_days.median_days_to_first_engagement() is None
    org = publisher.organization
    for days in (5, 1, 7):
        scenario = make_scenario(org, published_at=at("2026-04-01"))
        engage(scenario, firm.organization, days, EngagementStage.INTENT)
        # a later engagement of the same scenario does not move its first one
        engage(scenario, make_org(Role.FIRM), days + 30, EngagementStage.INTENT)
    assert median_days.median_days_portable() == 5.0
    assert median_days.median_days_to_first_engagement() == 5.0


def test_the_funnel_counts_stages_reached_and_conversion(data: dict[str, Any]) -> None:
    assert rows("funnel") == [
        ("意向", 6, 1, None),
        ("洽谈中", 5, 1, 83.3),  # the terminated one had reached 洽谈中
        ("已签约", 3, 2, 60.0),
        ("已落地", 1, 1, 33.3),
        ("已终止", 1, 1, None),
    ]
    spec = public_charts.funnel().spec()
    assert len(spec["rows"]) == 4  # 已终止 is in the table, not in the funnel


def test_published_listings_by_domain(data: dict[str, Any]) -> None:
    by_domain = {r[0]: r[1:] for r in rows("domains")}
    assert by_domain["智慧交通"] == (2, 1)
    assert by_domain["智慧政务"] == (1, 1)
    assert by_domain["智慧教育"] == (1, 0)  # closed, but it was published
    assert by_domain["城市治理"] == (0, 1)
    assert by_domain["智慧医疗"] == (0, 0)  # a draft is not counted


def test_technology_demand_supply_and_gaps(data: dict[str, Any]) -> None:
    assert rows("technologies")[:5] == [
        ("人工智能", 1, 1, 1, ""),
        ("大模型", 1, 1, 0, "无本地供给"),  # only a firm from elsewhere offers it
        ("物联网", 1, 0, 0, "无本地供给"),
        ("区块链", 1, 0, 0, "无本地供给"),  # the local offer is still a draft
        ("北斗/空天信息", 0, 1, 1, ""),
    ]


def test_activity_by_district(data: dict[str, Any]) -> None:
    by_district = {r[0]: r[1:] for r in rows("districts")}
    assert by_district["历城区"] == (1, 1, 2, 1)
    assert by_district["历下区"] == (3, 1, 4, 2)
    assert by_district["济南高新区"] == (0, 0, 0, 0)  # its firm's capability is a draft


def test_months_are_beijing_time(data: dict[str, Any]) -> None:
    assert rows("months") == [
        ("2025-12", 1, 0, 1, 0),
        ("2026-01", 1, 1, 2, 0),
        ("2026-02", 1, 1, 2, 1),
        ("2026-03", 1, 0, 1, 2),  # s3 published 28 Feb 20:00 UTC = 1 March in Jinan
    ]


def test_contracts_origins_and_local_share(data: dict[str, Any]) -> None:
    assert rows("contracts") == [("2026-02", 1, 100.0), ("2026-03", 2, 80.5)]
    assert rows("origins") == [("揭榜/申请", 5, 2, 80.5), ("平台推荐", 1, 1, 100.0)]
    assert rows("local") == [("本地企业", 2, 130.0, 66.7), ("外地企业", 1, 50.5, 33.3)]
    # the review queue is internal: its outcomes are on the administrators' dashboard only
    assert rows("recommendations", admin=True) == [("待审核", 1), ("已推荐", 1), ("已驳回", 1)]
    assert assemble.chart("recommendations", admin=False) is None


def test_private_charts_exist_only_for_administrators(data: dict[str, Any]) -> None:
    assert assemble.chart("firms", admin=False) is None
    assert rows("firms", admin=True) == [
        ("本地甲软件公司", "是", 2, 130.0),
        ("外地丙信息公司", "否", 1, 50.5),
    ]
    statuses = {r[0]: r[1:] for r in rows("statuses", admin=True)}
    assert statuses["草稿"] == (1, 1)
    assert statuses["已发布"] == (3, 2)
    assert statuses["已关闭"] == (1, 0)
    (rejection,) = rows("rejections", admin=True)
    assert rejection[1:] == ("s2", "道路病害智能识别系统", "=预算不匹配")
    public_keys = {c.key for c in assemble.build(admin=False).charts}
    assert public_keys.isdisjoint({"firms", "statuses", "rejections"})


def test_an_empty_platform_has_zeros_and_no_median() -> None:
    s = headline.summary()
    assert (s.engagements, s.contracts_signed, s.local_share) == (0, 0, None)
    assert s.median_days_to_first_engagement is None
    assert rows("funnel")[1] == ("洽谈中", 0, 0, None)


def test_the_public_page_shows_aggregates_and_no_private_data(
    client: FlaskClient, data: dict[str, Any]
) -> None:
    page = client.get("/dashboard").get_data(as_text=True)
    assert '<strong data-testid="fig-engagements">6</strong>' in page
    assert '<strong data-testid="fig-amount">180.5</strong>' in page
    assert '<strong data-testid="fig-local-share">66.7%</strong>' in page
    assert '<strong data-testid="fig-median-days">3.0</strong>' in page
    assert "无本地供给" in page
    for private in ("本地甲软件公司", "外地丙信息公司", "预算不匹配", "草稿场景", "仅管理员"):
        assert private not in page
    assert "/review/dashboard" not in page
    assert "vendor/echarts/echarts.min.js" in page
    assert "data-chart=" in page


def test_the_admin_page_adds_the_private_charts(client: FlaskClient, data: dict[str, Any]) -> None:
    login(client, data["admin"])
    page = client.get("/review/dashboard").get_data(as_text=True)
    assert "数据看板（管理版）" in page
    for private in ("本地甲软件公司", "=预算不匹配", "仅管理员"):
        assert private in page
    assert "查看管理版" in client.get("/dashboard").get_data(as_text=True)


def test_csv_download(client: FlaskClient, data: dict[str, Any]) -> None:
    response = client.get("/dashboard/data/local.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert 'filename="dashboard-local.csv"' in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8-sig")
    assert text.splitlines() == [
        "企业,签约数,签约金额（万元）,占比（%）",
        "本地企业,2,130.0,66.7",
        "外地企业,1,50.5,33.3",
    ]


def test_xlsx_download_of_a_private_chart(client: FlaskClient, data: dict[str, Any]) -> None:
    login(client, data["admin"])
    response = client.get("/review/dashboard/data/rejections.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.values)
    assert values[0] == ("审核日期", "场景", "能力", "驳回原因")
    # typed by a person: kept as text, never evaluated as a formula
    assert values[1][1:] == ("s2", "道路病害智能识别系统", "'=预算不匹配")


def test_downloads_refuse_unknown_and_private_charts(
    client: FlaskClient, data: dict[str, Any]
) -> None:
    assert client.get("/dashboard/data/firms.csv").status_code == 404
    assert client.get("/dashboard/data/nothing.xlsx").status_code == 404
    assert client.get("/dashboard/data/local.pdf").status_code == 404
    login(client, data["admin"])
    assert client.get("/review/dashboard/data/nothing.csv").status_code == 404


def test_formula_like_text_is_neutralised() -> None:
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("-3") == "'-3"
    assert safe_cell(-3) == -3
    assert safe_cell(None) == ""
    chart = tables.Chart("k", "t", "table", ("a",), (("@SUM(A1)",),))
    assert to_csv(chart).decode("utf-8-sig").splitlines()[1] == "'@SUM(A1)"


def test_pages_serve_the_stored_figures_the_job_refreshes(
    fresh_app: Callable[..., Flask], publisher: User, firm: User
) -> None:
    cached = fresh_app(DASHBOARD_CACHE_SECONDS=60)
    client = cached.test_client()
    figure = '<strong data-testid="fig-engagements">{}</strong>'
    assert figure.format(0) in client.get("/dashboard").get_data(as_text=True)  # first: computed
    scenario = make_scenario(publisher.organization, published_at=at("2026-05-01"))
    engage(scenario, firm.organization, 3, EngagementStage.INTENT)
    page = client.get("/dashboard").get_data(as_text=True)
    assert figure.format(0) in page  # the stored copy, not a computation per visitor
    assert "每分钟更新" in page
    with cached.app_context():
        enqueue("dashboard.refresh")  # what the scheduler does every minute
        db.session.commit()
    assert figure.format(1) in client.get("/dashboard").get_data(as_text=True)
    # downloads come from the same copy as the page
    assert client.get("/dashboard/data/funnel.csv").data.decode("utf-8-sig").splitlines()[1] == (
        "意向,1,1,"
    )
    engage(scenario, make_org(Role.FIRM), 4, EngagementStage.INTENT)
    with cached.app_context():  # the scheduler stopped: a copy ten times too old is recomputed
        old = utcnow() - timedelta(seconds=60 * cache.STALE_FACTOR + 1)
        db.session.execute(sa.update(DashboardSnapshot).values(generated_at=old))
        db.session.commit()
    assert figure.format(2) in client.get("/dashboard").get_data(as_text=True)


def test_every_machine_serves_the_same_stored_copy(
    fresh_app: Callable[..., Flask], publisher: User, firm: User
) -> None:
    first, second = fresh_app(DASHBOARD_CACHE_SECONDS=60), fresh_app(DASHBOARD_CACHE_SECONDS=60)
    figure = '<strong data-testid="fig-engagements">{}</strong>'
    engage(make_scenario(publisher.organization), firm.organization, 3, EngagementStage.INTENT)
    with first.app_context():
        cache.refresh(first)
    engage(make_scenario(publisher.organization), firm.organization, 3, EngagementStage.INTENT)
    for machine in (first, second):
        assert figure.format(1) in machine.test_client().get("/dashboard").get_data(as_text=True)


# ---------------------------------------------------------------- how the figures are computed


@pytest.mark.commits  # its workers are threads, each with a connection of its own
def test_a_concurrent_build_equals_a_serial_one(data: dict[str, Any]) -> None:
    assert assemble._shares_connections()  # the suite's database is a file or a server
    for admin in (False, True):
        serial = assemble.build(admin=admin, workers=1)
        concurrent = assemble.build(admin=admin, workers=2)
        assert concurrent == serial
        assert [c.key for c in concurrent.charts] == list(assemble.chart_keys(admin))
    assert serial.summary.engagements == 6


@pytest.mark.commits  # its workers are threads, each with a connection of its own
def test_figures_several_charts_share_are_computed_once_per_build(data: dict[str, Any]) -> None:
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        assemble.build(admin=True, workers=2)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    # the stage × origin pass feeds the summary, the funnel and the origins chart
    assert sum("GROUP BY engagements.stage, engagements.origin" in s for s in statements) == 1
    assert sum("GROUP BY recommendations.status" in s for s in statements) == 1
    # outside a build every chart still computes on its own
    assert rows("origins") == [("揭榜/申请", 5, 2, 80.5), ("平台推荐", 1, 1, 100.0)]


def test_months_start_at_beijing_midnight_and_skip_empty_months(
    publisher: User, firm: User
) -> None:
    before = make_scenario(
        publisher.organization,
        title="月末",
        published_at=datetime(2026, 3, 31, 15, 59, 59, 999999, tzinfo=UTC),
    )
    make_scenario(publisher.organization, title="月初", published_at=at("2026-03-31", hour=16))
    make_capability(firm.organization, published_at=at("2026-06-10"))
    engage(
        before,
        firm.organization,
        3,
        EngagementStage.SIGNED,
        contract_amount_wan=Decimal("12.34"),
        contract_date=date(2026, 8, 1),
    )
    assert rows("months") == [
        ("2026-03", 1, 0, 0, 0),  # 23:59:59.999999 on 31 March in Jinan (exact to the µs)
        ("2026-04", 1, 0, 1, 0),  # midnight on 1 April; the engagement on 3 April
        ("2026-06", 0, 1, 0, 0),  # nothing happened in May or July: no rows for them
        ("2026-08", 0, 0, 0, 1),
    ]
    assert rows("contracts") == [("2026-08", 1, 12.34)]


def test_the_funnel_reads_only_current_terminations(publisher: User, firm: User) -> None:
    scenario = make_scenario(publisher.organization, published_at=at("2026-04-01"))
    reason = {"end_reason": "需求变化"}
    engage(scenario, firm.organization, 1, EngagementStage.TERMINATED, **reason)  # 意向 only
    for name, stage, fields in (
        ("乙公司", EngagementStage.TERMINATED, reason),
        ("丙公司", EngagementStage.NEGOTIATING, {}),
    ):
        engagement = engage(scenario, make_org(Role.FIRM, name=name), 2, stage, **fields)
        # ended from 已签约; the second one has since been taken up again at 洽谈中
        db.session.add(
            EngagementEvent(
                engagement=engagement,
                from_stage=EngagementStage.SIGNED,
                to_stage=EngagementStage.TERMINATED,
            )
        )
    db.session.commit()
    assert rows("funnel") == [
        ("意向", 3, 0, None),
        ("洽谈中", 2, 1, 66.7),
        ("已签约", 1, 0, 50.0),
        ("已落地", 0, 0, 0.0),
        ("已终止", 2, 2, None),
    ]
