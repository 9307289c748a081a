"""One source for every headline figure: the same value on every page, published outcomes
only on public pages, and a change shown within seconds (issue 12)."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from app.dashboard import assemble, cache, figures, snapshots
from app.extensions import db
from app.models import (
    DashboardSnapshot,
    Engagement,
    EngagementOrigin,
    EngagementStage,
    ListingStatus,
    OrgStatus,
    Recommendation,
    Role,
    User,
)
from app.models.base import utcnow
from tests.conftest import login
from tests.factories import make_capability, make_org, make_scenario


def _figure(page: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}">([^<]*)<', page)
    assert found, testid
    return found.group(1)


def _platform(publisher: User, firm: User) -> dict[str, Any]:
    org = publisher.organization
    open_one = make_scenario(org, title="开放中的场景")
    closed = make_scenario(org, ListingStatus.CLOSED, title="已关闭的场景", published_at=utcnow())
    make_scenario(org, ListingStatus.DRAFT, title="草稿")
    capability = make_capability(firm.organization)
    make_org(Role.FIRM, OrgStatus.PENDING)  # a registration waiting: not settled
    for n in range(3):  # the review queue: pending pairs are internal
        scenario = make_scenario(org, title=f"队列场景{n}")
        db.session.add(Recommendation(scenario=scenario, capability=capability, score=0.9))
    db.session.add(
        Engagement(
            scenario=open_one,
            firm=firm.organization,
            capability=capability,
            origin=EngagementOrigin.RECOMMENDATION,
            stage=EngagementStage.INTENT,
        )
    )
    db.session.add(
        Engagement(
            scenario=closed,
            firm=firm.organization,
            origin=EngagementOrigin.APPLICATION,
            stage=EngagementStage.INTENT,
        )
    )
    db.session.commit()
    return {"open": open_one}


def test_home_and_dashboard_show_the_same_value_for_each_shared_figure(
    client: FlaskClient, publisher: User, firm: User
) -> None:
    _platform(publisher, firm)
    home = client.get("/").get_data(as_text=True)
    board = client.get("/dashboard").get_data(as_text=True)
    expected = {"scenarios": "5", "capabilities": "1", "firms": "1", "recommended": "1"}
    dashboard_ids = {
        "scenarios": "fig-scenarios",
        "capabilities": "fig-capabilities",
        "firms": "fig-firms",
        "recommended": "fig-recommended",
    }
    for key, value in expected.items():
        label = figures.FIGURES[key].label
        assert _figure(home, f"count-{key}") == value, key
        assert _figure(board, dashboard_ids[key]) == value, key
        assert label in home
        assert label in board
    assert figures.headline() == {k: int(v) for k, v in expected.items()}
    # the origins chart's 平台推荐 row counts the same engagements as the headline
    origins = {row[0]: row[1] for row in assemble.chart("origins", admin=False).rows}
    assert origins["平台推荐"] == 1
    # the industry map counts the same settled firms
    industry = client.get("/industry").get_data(as_text=True)
    assert _figure(industry, "firm-total") == "共 1 家"


def test_the_public_dashboard_never_shows_the_review_queue(
    client: FlaskClient, publisher: User, firm: User, admin: User
) -> None:
    _platform(publisher, firm)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "待审核" not in page
    assert "已驳回" not in page
    assert 'data-testid="fig-recommendations"' not in page
    assert 'id="chart-recommendations"' not in page
    assert client.get("/dashboard/data/recommendations.csv").status_code == 404
    login(client, admin)
    private = client.get("/review/dashboard").get_data(as_text=True)
    assert _figure(private, "fig-recommendations") == "3"
    assert 'id="chart-recommendations"' in private


def test_a_signed_contract_shows_on_the_public_dashboard_within_seconds(
    fresh_app: Any, publisher: User, firm: User
) -> None:
    data = _platform(publisher, firm)
    engagement_id = db.session.scalar(
        db.select(Engagement.id).where(Engagement.scenario_id == data["open"].id)
    )
    app: Flask = fresh_app(DASHBOARD_CACHE_SECONDS=60)
    with app.app_context():
        web = app.test_client()
        cache.refresh(app)  # the minutely job has just run
        before = web.get("/dashboard").get_data(as_text=True)
        assert _figure(before, "fig-contracts") == "0"
        started = time.monotonic()
        engagement = db.session.get(Engagement, engagement_id)
        engagement.stage = EngagementStage.SIGNED
        engagement.contract_amount_wan = 120
        engagement.contract_date = (utcnow() + timedelta(hours=8)).date()
        db.session.commit()
        after = web.get("/dashboard").get_data(as_text=True)
        elapsed = time.monotonic() - started
        assert _figure(after, "fig-contracts") == "1"
        assert elapsed < 5
        assert snapshots.load(admin=False) is not None  # stored again for the next visitors
        db.session.remove()


def test_a_counted_change_drops_the_stored_dashboards(fresh_app: Any) -> None:
    app: Flask = fresh_app(DASHBOARD_CACHE_SECONDS=60)
    with app.app_context():
        cache.refresh(app)
        assert snapshots.load(admin=False) is not None
        make_org(Role.FIRM, OrgStatus.APPROVED)  # a firm settles: 入驻数字企业 changes
        assert snapshots.load(admin=False) is None
        assert cache.dashboard(app, admin=False).summary.firms == 1
        db.session.remove()


def test_a_copy_stored_before_the_shared_figures_existed_is_computed_afresh(
    fresh_app: Any, firm: User
) -> None:
    app: Flask = fresh_app(DASHBOARD_CACHE_SECONDS=60)
    with app.app_context():
        cache.refresh(app)
        row = db.session.get(DashboardSnapshot, "public")
        summary = {k: v for k, v in row.data["summary"].items() if k != "firms"}
        row.data = {**row.data, "summary": summary}
        db.session.commit()
        assert snapshots.load(admin=False) is None
        assert cache.dashboard(app, admin=False).summary.firms == 1
        db.session.remove()
