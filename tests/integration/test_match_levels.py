"""Recommendations an official trusts at a glance (issue 15): specific reasons only, match
levels from a calibration, a floor, the review queue cut by estimated precision, at most two
capabilities of one firm in a scenario's top ten, and exposure statistics."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app import taxonomy
from app.errors import DomainError
from app.extensions import db
from app.matching.calibration import Calibration
from app.models import (
    MatchCalibration,
    Recommendation,
    RecommendationStatus,
    Role,
    User,
)
from app.models.base import utcnow
from app.recommendations import exposure, levels
from app.recommendations import services as recommendations
from app.recommendations.documents import document
from app.recommendations.live import live
from app.recommendations.specific import listing_basis
from tests.conftest import login
from tests.factories import make_capability, make_org, make_scenario, make_user

GENERIC = {"系统", "平台", "数据", "生成", "自动", "中心", "管理", "服务"}


@pytest.fixture(autouse=True)
def _fresh_calibration() -> Iterator[None]:
    """Each test reads the calibration in force (a refit one is deleted with its rows)."""
    levels.forget()
    yield
    levels.forget()


def generic_scenario(org_role_user: User):
    """A scenario written only in words common to all IT writing."""
    return make_scenario(
        org_role_user.organization,
        title="数据平台系统",
        description="建设数据平台系统，自动生成数据，管理中心服务平台系统数据。",
        needs="平台系统数据自动生成。",
        expected="数据管理。",
    )


def test_a_listing_of_generic_words_gets_no_recommendations_and_says_so(
    client: FlaskClient, publisher: User
) -> None:
    for n in range(3):  # capabilities that share its generic words
        make_capability(
            make_org(Role.FIRM),
            title=f"数据中心管理平台{n}",
            description="统一数据平台系统，自动生成报表，数据管理中心服务。",
        )
    scenario = generic_scenario(publisher)
    shown = recommendations.recommend(scenario, top=10)
    assert shown.insufficient
    assert shown.suggestions == []
    login(client, publisher)
    page = client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
    assert "推荐依据不足：请补充具体需求或产品功能" in page
    assert 'data-testid="suggestion"' not in page


def test_specific_words_in_what_is_wanted_alone_are_enough_to_match_on(
    app: Flask, publisher: User
) -> None:
    """The clauses saying what a scenario wants (希望…) count as its basis like the rest."""
    scenario = make_scenario(
        publisher.organization,
        title="数据平台系统",
        description="建设数据平台系统，管理中心服务。",
        needs="希望识别道路坑槽和井盖破损。",
        expected="数据管理。",
    )
    engine = live(app).engine()
    assert {"坑槽", "井盖"} <= set(engine.features(document(scenario)).need)
    assert listing_basis(scenario, engine)


def test_reasons_name_specific_words_never_generic_ones(
    client: FlaskClient, publisher: User
) -> None:
    make_capability(make_org(Role.FIRM))  # 道路病害智能识别系统: 坑槽, 井盖, 病害 …
    scenario = make_scenario(publisher.organization)
    [top] = recommendations.capabilities_for(scenario, top=10)
    terms = set(top.match.terms)
    assert terms, "the fitting pair has specific shared words"
    assert not terms & GENERIC
    assert {"病害", "井盖"} & terms
    assert len(top.match.terms) <= 5
    login(client, publisher)
    page = client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
    reasons = re.findall(r"<mark>([^<]+)</mark>", page)
    assert reasons
    assert not set(reasons) & GENERIC


def test_the_local_preference_is_a_separate_line_and_never_the_only_reason(
    client: FlaskClient, publisher: User
) -> None:
    fitting = make_capability(make_org(Role.FIRM, is_local=True))
    only_local = make_capability(  # shares nothing specific: only generic words, and is local
        make_org(Role.FIRM, is_local=True),
        title="数据中心管理平台",
        description="统一数据平台系统，自动生成报表，数据管理中心服务。",
        keywords="数据、平台",
        tags=["云计算"],
    )
    scenario = make_scenario(publisher.organization)
    shown = recommendations.recommend(scenario, top=10)
    ids = [s.listing.id for s in (*shown.suggestions, *shown.more)]
    assert fitting.id in ids
    assert only_local.id not in ids
    login(client, publisher)
    page = client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
    [line] = re.findall(r'<p class="local-preference"[^>]*>(.*?)</p>', page, re.S)
    assert "本地优先（济南软件济南用）" in line
    assert "同等条件下" in line


def test_detail_pages_and_platform_recommendations_show_levels(
    client: FlaskClient, publisher: User, firm: User, admin: User
) -> None:
    capability = make_capability(firm.organization)
    scenario = make_scenario(publisher.organization)
    recommendations.queue_for(scenario, levels.review_min_score(), top=10)
    db.session.commit()
    login(client, publisher)
    page = client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
    assert 'data-testid="match-level"' in page
    assert re.search(r"高度匹配|较为匹配|可能相关", page)
    assert "估计相关概率" in page  # the number behind the level, on demand
    assert "匹配度 " not in page  # no bare percentages any more
    rec = db.session.scalar(
        sa.select(Recommendation).where(Recommendation.capability_id == capability.id)
    )
    assert rec is not None
    reviewer_id = admin.id
    rec.reviewer_id = reviewer_id
    rec.reviewed_at = utcnow()
    rec.status = RecommendationStatus.APPROVED
    db.session.commit()
    login(client, firm)
    workspace = client.get("/my/").get_data(as_text=True)
    assert 'data-testid="match-level"' in workspace


def test_levels_follow_the_configured_thresholds(app: Flask) -> None:
    cal = levels.calibration()
    high = levels.level(cal.score_for(app.config["MATCH_LEVEL_HIGH"]) + 1e-6)
    medium = levels.level(cal.score_for(app.config["MATCH_LEVEL_MEDIUM"]) + 1e-6)
    possible = levels.level(cal.score_for(app.config["MATCH_FLOOR"]) + 1e-6)
    assert (high.label, medium.label, possible.label) == ("高度匹配", "较为匹配", "可能相关")
    assert levels.level(cal.score_for(app.config["MATCH_FLOOR"]) - 0.01) is None
    assert high.probability >= app.config["MATCH_LEVEL_HIGH"]


def test_at_most_two_capabilities_of_one_firm_in_a_scenarios_top_ten(
    app: Flask, publisher: User
) -> None:
    broad = make_org(Role.FIRM)
    for n in range(6):  # a broad vendor with six near-identical fitting products
        make_capability(broad, title=f"道路病害智能识别系统{n}")
    specialists = {
        make_capability(
            make_org(Role.FIRM), title=f"道路病害巡检识别{n}", keywords="道路病害、井盖"
        ).organization_id
        for n in range(3)
    }
    scenario = make_scenario(publisher.organization)
    top = recommendations.capabilities_for(scenario, top=10)
    orgs = [s.listing.organization_id for s in top]
    assert orgs.count(broad.id) == app.config["MATCH_ORG_CAP"] == 2
    assert specialists <= set(orgs), "the specialists are not crowded out"


def test_the_review_queue_is_cut_by_estimated_precision(
    app: Flask, client: FlaskClient, admin: User, publisher: User
) -> None:
    make_capability(make_org(Role.FIRM))
    scenario = make_scenario(publisher.organization)
    assert recommendations.queue_for(scenario, levels.review_min_score(), top=10) >= 1
    db.session.commit()
    queued = db.session.scalars(
        sa.select(Recommendation).where(Recommendation.scenario_id == scenario.id)
    ).all()
    assert queued
    threshold = app.config["MATCH_REVIEW_MIN_PROBABILITY"]
    assert all(levels.probability(r.score) >= threshold for r in queued)
    assert levels.review_min_score() == pytest.approx(levels.calibration().score_for(threshold))
    login(client, admin)
    page = client.get("/review/matches").get_data(as_text=True)
    assert "最低估计相关概率" in page
    assert 'data-testid="match-level"' in page
    app.config["MATCH_REVIEW_MIN_PROBABILITY"] = 0.999
    try:
        again = recommendations.queue_for(scenario, levels.review_min_score(), top=10)
        assert again == 0
    finally:
        app.config["MATCH_REVIEW_MIN_PROBABILITY"] = threshold


def decided(admin: User, n: int) -> None:
    """n decided pairs: high scores approved, low ones rejected."""
    publisher_org = make_org(Role.PUBLISHER)
    firm_org = make_org(Role.FIRM)
    for k in range(n):
        approve = k % 2 == 0
        db.session.add(
            Recommendation(
                scenario_id=make_scenario(publisher_org, title=f"历史场景{k}").id,
                capability_id=make_capability(firm_org, title=f"历史能力{k}").id,
                score=0.3 + (k % 5) / 20 if approve else 0.05 + (k % 5) / 20,
                status=RecommendationStatus.APPROVED if approve else RecommendationStatus.REJECTED,
                reviewer_id=admin.id,
                reviewed_at=utcnow(),
            )
        )
    db.session.commit()


def test_review_decisions_refit_the_calibration(app: Flask, admin: User) -> None:
    with pytest.raises(DomainError, match="审核决定不足"):
        levels.refit(admin)
    decided(admin, 40)
    result = app.test_cli_runner().invoke(args=["match", "calibrate"])
    assert result.exit_code == 0, result.output
    assert "重新校准匹配等级" in result.output
    row = db.session.scalar(sa.select(MatchCalibration))
    assert row.pairs >= 40
    assert row.ece is not None
    levels.forget()
    cal = levels.calibration()
    assert cal.source == "review"
    assert cal.probability(0.45) > 0.5 > cal.probability(0.1)


@pytest.mark.commits  # impressions are committed beside the request's transaction
def test_exposure_statistics_for_administrators(
    client: FlaskClient, sysadmin: User, publisher: User
) -> None:
    small = make_org(Role.FIRM, is_local=True, honours=taxonomy.terms("honour", ["专精特新"]))
    remote = make_org(Role.FIRM, is_local=False, district="")
    make_capability(small)
    make_capability(remote, title="道路病害巡检识别", keywords="道路病害、井盖")
    scenario = make_scenario(publisher.organization)
    login(client, publisher)
    client.get(f"/scenarios/{scenario.id}")  # shown: recorded as an impression
    recommendations.queue_for(scenario, levels.review_min_score(), top=10)
    db.session.commit()
    shown, queued = exposure.statistics()
    for stats in (shown, queued):
        assert stats.total >= 2
        assert stats.firms == 2
        names = {f.name for f in stats.top}
        assert {small.name, remote.name} <= names
        assert 0.0 < stats.local_share < 1.0
        assert 0.0 < stats.small_share < 1.0
        assert stats.top_share == pytest.approx(1.0)
        assert 0.5 <= stats.hhi <= 1.0
    reviewer = make_user(None, Role.REVIEWER)
    for staff, url in (
        (sysadmin, "/review/engine"),
        (reviewer, "/review/"),
        (reviewer, "/review/dashboard"),
    ):
        login(client, staff)
        page = client.get(url).get_data(as_text=True)
        assert "推荐曝光统计" in page
        assert "本地企业占比" in page
        assert "专精特新等中小企业占比" in page
        assert "前 10 家单位占比" in page
        assert small.name in page
    public = client.get("/dashboard").get_data(as_text=True)  # the public version, for anyone
    assert "推荐曝光统计" not in public, "who the engine recommends is for administrators only"


@pytest.mark.parametrize(
    ("probability", "shown"), [(0.994, 99), (0.995, 99), (0.9999, 99), (1.0, 99), (0.5, 50)]
)
def test_the_probability_shown_never_reaches_100_percent(probability: float, shown: int) -> None:
    assert levels.Level(levels.HIGH, "高度匹配", probability).percent == shown


def test_a_capabilitys_scenarios_are_read_on_the_c2s_curve(app: Flask, admin: User) -> None:
    shipped = levels.shipped()
    assert shipped.c2s is not None
    assert levels.probability(0.3, "c2s") == pytest.approx(shipped.c2s.probability(0.3))
    assert levels.probability(0.3, "c2s") != levels.probability(0.3)
    db.session.add(MatchCalibration(a=5.0, b=-1.0, pairs=40, positives=20))
    db.session.flush()
    levels.forget()
    # a refit on review decisions (recommendations for scenarios) replaces the s2c curve only
    assert levels.probability(0.3) == pytest.approx(Calibration(5.0, -1.0).probability(0.3))
    assert levels.probability(0.3, "c2s") == pytest.approx(shipped.c2s.probability(0.3))
