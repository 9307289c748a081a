"""Several app instances (workers) sharing one database agree on what can be recommended."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask

from app.engine_builds import maintenance
from app.extensions import db
from app.models import (
    Capability,
    IndexArtifact,
    ListingStatus,
    MatchChange,
    Role,
    Scenario,
    User,
)
from app.recommendations import provider
from app.recommendations import services as recommendations
from app.recommendations.live import live
from app.review import services as review
from tests.factories import make_capability, make_org, make_scenario


def suggested_ids(application: Flask, scenario_id: int) -> list[int]:
    """What one app instance recommends for a scenario, read through its own index."""
    with application.app_context():
        scenario = db.session.get(Scenario, scenario_id)
        return [s.listing.id for s in recommendations.capabilities_for(scenario, top=10)]


def test_a_capability_published_through_one_worker_is_found_by_another(
    app: Flask, fresh_app: Callable[..., Flask], admin: User
) -> None:
    worker_a, worker_b = app, fresh_app()
    scenario = make_scenario(make_org(Role.PUBLISHER))
    firm = make_org(Role.FIRM)
    make_capability(
        firm,
        title="财务共享平台",
        description="集团财务共享中心，报销、核算、资金管理一体化，支持税务发票。",
        domains=["金融科技"],
        tags=["云计算"],
    )
    assert len(suggested_ids(worker_b, scenario.id)) == 1  # worker B builds its index now

    pending = make_capability(firm, ListingStatus.PENDING)
    assert pending.id not in suggested_ids(worker_b, scenario.id)
    with worker_a.app_context():  # an administrator publishes it through worker A
        capability = db.session.get(Capability, pending.id)
        review.decide_listing(db.session.get(User, admin.id), capability, True, "")
        db.session.commit()

    assert suggested_ids(worker_b, scenario.id)[0] == pending.id  # B applies the change
    assert db.session.scalar(sa.func.count(MatchChange.id)) > 0
    assert live(worker_b).matcher().behind() == 0  # every committed change is applied


def test_uncommitted_changes_are_not_applied(app: Flask, fresh_app: Callable[..., Flask]) -> None:
    scenario = make_scenario(make_org(Role.PUBLISHER))
    capability = make_capability(make_org(Role.FIRM), ListingStatus.PENDING)
    other = fresh_app()
    assert capability.id not in suggested_ids(other, scenario.id)
    with app.app_context():
        row = db.session.get(Capability, capability.id)
        row.status = ListingStatus.PUBLISHED
        provider.record_change(row)
        db.session.flush()  # not committed: the other worker must not serve it
        assert capability.id not in suggested_ids(other, scenario.id)
        db.session.rollback()
    assert capability.id not in suggested_ids(other, scenario.id)


def test_an_engine_change_is_built_once_and_every_worker_switches_to_it(
    app: Flask, fresh_app: Callable[..., Flask]
) -> None:
    other = fresh_app()
    with other.app_context():
        first = live(other).current()
    with app.app_context():
        maintenance.request_rebuild(refeaturize=False)
        db.session.commit()  # built once, after the commit, in this process
    [artifact] = db.session.scalars(sa.select(IndexArtifact)).all()
    with other.app_context():
        second = live(other).current()
    assert second is not first
    assert second.engine is first.engine  # the vocabulary itself did not change
    assert (second.version, second.artifact_id) == (artifact.version, artifact.id)
    assert live(app).current().version == artifact.version  # the builder serves it too


THEMES = [
    ("道路病害巡检", "车载视频识别坑槽裂缝，北斗定位，病害台账。"),
    ("医院预约挂号", "分时段预约，号源共享，就诊排队缩短。"),
    ("校园食堂监管", "明厨亮灶视频，食材溯源，留样记录。"),
    ("工业设备预测性维护", "振动传感器采集，故障预警，检修工单。"),
    ("政务热线工单", "诉求分类派单，回访评价，热点分析。"),
    ("智慧停车诱导", "泊位状态采集，错时共享，停车诱导屏。"),
]


def test_both_sides_share_one_topic_space_and_new_listings_join_it(app: Flask) -> None:
    publisher, firm = make_org(Role.PUBLISHER), make_org(Role.FIRM)
    for title, text in THEMES:
        make_scenario(publisher, title=f"{title}难题", description=text, needs=text)
        make_capability(firm, title=f"{title}系统", description=text, keywords=title)
    state = live(app).current()
    scenarios, capabilities = state.indexes["scenario"], state.indexes["capability"]
    assert scenarios.topics is not None  # fitted once, on both sides' published listings
    assert capabilities.topics is scenarios.topics

    scenario = make_scenario(  # its needs too (the default needs are about road defects)
        publisher, title="停车泊位错时共享", description="泊位错时共享。", needs="泊位错时共享。"
    )
    [first, *_] = recommendations.capabilities_for(scenario, top=3)
    assert first.listing.title == "智慧停车诱导系统"
    assert dict(first.match.signals)["topic"] > 0  # the signal takes part in the live site
    assert any(name == "topic" for name, _ in first.match.explanation.contributions)
