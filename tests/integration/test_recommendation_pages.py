"""Detail pages' recommendations: filtered before the cut, recorded as shown, versioned."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.config import ROOT
from app.extensions import db
from app.matching import Filters
from app.models import (
    ListingStatus,
    Recommendation,
    RecommendationImpression,
    Role,
    Scenario,
    User,
)
from app.recommendations import services as recommendations
from app.recommendations.live import live
from tests.conftest import login
from tests.factories import make_capability, make_org, make_scenario, make_user


def crowded_market() -> tuple[User, Scenario, set[int]]:
    """A scenario whose best-scoring candidates are all from elsewhere: twelve firms outside
    Jinan with its very words, and twelve local firms with fewer of them. Returns the owner,
    the scenario and the local capabilities' ids."""
    owner = make_user(make_org(Role.PUBLISHER))
    scenario = make_scenario(owner.organization)
    # one firm each: at most MATCH_ORG_CAP capabilities of one firm are recommended
    for n in range(12):
        remote = make_org(Role.FIRM, is_local=False, district="")
        make_capability(remote, title=f"道路病害智能识别系统{n}")
    locals_ = {
        make_capability(
            make_org(Role.FIRM, is_local=True),
            title=f"城市道路巡检服务{n}",
            description="提供道路巡查人员和巡检车辆，记录路面问题，按月出具巡检报告。",
            keywords="道路巡检",
        ).id
        for n in range(12)
    }
    return owner, scenario, locals_


def test_filters_apply_before_the_top_n_cut(app: Flask) -> None:
    _owner, scenario, locals_ = crowded_market()
    unfiltered = recommendations.capabilities_for(scenario, top=10)
    assert len(unfiltered) == 10
    assert not any(s.listing.id in locals_ for s in unfiltered)  # the best ten are remote

    only_local = recommendations.capabilities_for(
        scenario, top=10, filters=Filters(local_only=True)
    )
    assert len(only_local) == 10  # the page is full: twelve local ones fit
    assert {s.listing.id for s in only_local} <= locals_
    scores = [s.match.score for s in only_local]
    assert scores == sorted(scores, reverse=True)

    by_domain = recommendations.capabilities_for(
        scenario, top=10, filters=Filters(domains=frozenset({"城市治理"}))
    )
    assert len(by_domain) == 10
    nowhere = recommendations.capabilities_for(
        scenario, top=10, filters=Filters(districts=frozenset({"莱芜区"}))
    )
    assert nowhere == []


@pytest.mark.commits  # impressions are committed beside the request's transaction
def test_a_page_showing_recommendations_records_what_it_showed(
    app: Flask, client: FlaskClient
) -> None:
    owner, scenario, locals_ = crowded_market()
    login(client, owner)
    page = client.get(f"/scenarios/{scenario.id}?rec_local=1&rec_domain=智慧交通")
    assert page.status_code == 200
    assert page.get_data(as_text=True).count('data-testid="suggestion"') == 10
    [impression] = db.session.scalars(sa.select(RecommendationImpression)).all()
    assert impression.user_id == owner.id
    assert impression.organization_id == owner.organization_id
    assert (impression.side, impression.listing_id) == ("scenario", scenario.id)
    assert impression.engine_version == live(app).current().version
    assert impression.filters == {"domains": ["智慧交通"], "districts": [], "local_only": True}
    assert [c["rank"] for c in impression.candidates] == list(range(1, 11))
    assert {c["id"] for c in impression.candidates} <= locals_
    shown = recommendations.capabilities_for(
        scenario,
        top=10,
        filters=Filters(domains=frozenset({"智慧交通"}), local_only=True),
    )
    assert [c["id"] for c in impression.candidates] == [s.listing.id for s in shown]
    assert [c["score"] for c in impression.candidates] == [round(s.match.score, 4) for s in shown]

    client.get(f"/scenarios/{scenario.id}")  # every showing is recorded
    assert db.session.scalar(sa.select(sa.func.count(RecommendationImpression.id))) == 2
    anonymous = login(app.test_client(), None).get(f"/scenarios/{scenario.id}")
    assert anonymous.status_code == 200  # no recommendations shown, nothing recorded
    assert db.session.scalar(sa.select(sa.func.count(RecommendationImpression.id))) == 2


def test_an_impression_that_cannot_be_written_is_logged_and_the_page_still_shown(
    app: Flask,
    client: FlaskClient,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    owner, scenario, _locals = crowded_market()

    def broken(*_args: object, **_kwargs: object) -> None:
        raise sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(recommendations, "Session", broken)
    login(client, owner)
    with caplog.at_level(logging.ERROR, logger="app.recommendations.services"):
        page = client.get(f"/scenarios/{scenario.id}")
    assert page.status_code == 200
    assert 'data-testid="suggestion"' in page.get_data(as_text=True)
    assert "recommendation impression not recorded" in caplog.text
    assert db.session.scalar(sa.select(sa.func.count(RecommendationImpression.id))) == 0


def test_queued_pairs_record_the_engine_that_proposed_them(
    app: Flask, client: FlaskClient, admin: User
) -> None:
    make_capability(make_org(Role.FIRM))
    pending = make_scenario(make_org(Role.PUBLISHER), ListingStatus.PENDING)
    login(client, admin)
    page = client.post(
        f"/review/scenarios/{pending.id}/decide",
        data={"decision": "approve"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "正在后台为其生成推荐匹配" in page  # the publication job queued the pair
    pair = db.session.scalar(sa.select(Recommendation))
    assert pair.engine_version == live(app).current().version


def test_the_web_tier_starts_without_scikit_learn() -> None:
    probe = (
        "import sys\n"
        "from app import create_app\n"
        "from app.config import TestConfig\n"
        "create_app(TestConfig, SQLALCHEMY_DATABASE_URI='sqlite://')\n"
        "import app.engine_builds.learning, app.review.views\n"
        "print(sorted(m for m in ('sklearn', 'scipy.stats') if m in sys.modules))\n"
    )
    result = subprocess.run(  # noqa: S603 -- our own interpreter and code
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
