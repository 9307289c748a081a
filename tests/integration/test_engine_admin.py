"""Administrators see what the engine serves, extend its vocabulary and train its re-ranker."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.engine_builds import learning
from app.extensions import db
from app.models import (
    IndexArtifact,
    ListingStatus,
    MatchChange,
    Recommendation,
    RecommendationStatus,
    RerankerModel,
    Role,
    User,
    VocabularyEntry,
    VocabularyKind,
)
from app.models.base import utcnow
from app.recommendations.live import live
from tests.conftest import login
from tests.factories import make_capability, make_org, make_scenario


def test_the_engine_page_shows_what_is_indexed(
    sysadmin: User, client: FlaskClient, publisher: User, firm: User
) -> None:
    make_scenario(publisher.organization)
    make_capability(firm.organization)
    make_capability(firm.organization, ListingStatus.DRAFT)
    login(client, sysadmin)
    page = client.get("/review/engine").get_data(as_text=True)
    assert '<strong data-testid="indexed-scenarios">1</strong>' in page
    assert '<strong data-testid="indexed-capabilities">1</strong>' in page
    assert "尚未训练过模型" in page


def test_an_added_synonym_group_bridges_words_in_every_worker(
    sysadmin: User, app: Flask, client: FlaskClient, publisher: User, firm: User
) -> None:
    scenario = make_scenario(
        publisher.organization,
        title="认知障碍老人外出找不到家",
        description="社区里有认知障碍的老人，外出后常常走失，家属和社区找起来很难，希望能及时找到人。",
        needs="",
        tags=["物联网"],
    )
    make_capability(
        firm.organization,
        title="北斗定位手环",
        description="为老人佩戴的北斗定位手环，电子围栏越界即告警，家属手机实时查看位置轨迹。",
        keywords="定位手环、电子围栏",
        domains=["智慧社区"],
        tags=["物联网"],
    )
    login(client, sysadmin)
    before = live(app).current()
    response = client.post(
        "/review/engine/vocabulary", data={"kind": "synonyms", "text": "防走失 ~ 走失 ~ 定位手环"}
    )
    assert response.headers["Location"] == "/review/engine"
    assert db.session.scalar(sa.select(VocabularyEntry.text)) == "防走失 ~ 走失 ~ 定位手环"
    assert db.session.scalar(sa.select(MatchChange.side)) == "engine"
    after = live(app).current()
    assert after.engine is not before.engine  # rebuilt with the administrators' group
    login(client, publisher)
    page = client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
    assert "走失 ≈ 定位手环（防走失）" in page


def test_bad_vocabulary_is_refused_with_a_message(sysadmin: User, client: FlaskClient) -> None:
    login(client, sysadmin)
    for kind, text, message in [
        ("synonyms", "只有一个词", "至少包含两个词"),
        ("synonyms", "甲 ~ 甲", "有重复的词"),
        ("synonyms", "信号配时 ~ 新说法", "已属于其他同义词组"),
        ("word", "两个 词", "不能包含空格"),
        ("word", "12345", "不能只是数字或符号"),
        ("word", "", "请填写此项"),
    ]:
        page = client.post(
            "/review/engine/vocabulary", data={"kind": kind, "text": text}, follow_redirects=True
        ).get_data(as_text=True)
        assert message in page, text
    assert db.session.scalar(sa.select(sa.func.count(VocabularyEntry.id))) == 0


def test_a_word_can_be_removed(sysadmin: User, client: FlaskClient) -> None:
    login(client, sysadmin)
    client.post("/review/engine/vocabulary", data={"kind": "word", "text": "桥梁健康监测"})
    entry = db.session.scalar(sa.select(VocabularyEntry))
    client.post(f"/review/engine/vocabulary/{entry.id}/delete")
    assert db.session.scalar(sa.select(sa.func.count(VocabularyEntry.id))) == 0
    assert client.post("/review/engine/vocabulary/999999/delete").status_code == 404


def decided_pairs(admin: User, count: int, approve_when_word_above: float) -> None:
    """Decided pairs whose label follows the word signal (a reviewer who trusts shared words)."""
    publisher_org = make_org(Role.PUBLISHER)
    firm_org = make_org(Role.FIRM)
    for n in range(count):
        scenario = make_scenario(publisher_org, title=f"场景{n}")
        capability = make_capability(firm_org, title=f"能力{n}")
        word = (n % 10) / 10
        approved = word > approve_when_word_above
        db.session.add(
            Recommendation(
                scenario_id=scenario.id,
                capability_id=capability.id,
                score=0.3,
                signals={
                    "word": word,
                    "char": 0.5,
                    "domain": float(n % 2),
                    "tag": 0.0,
                    "district": 0.0,
                },
                status=RecommendationStatus.APPROVED if approved else RecommendationStatus.REJECTED,
                reviewer_id=admin.id,
                reviewed_at=utcnow(),
                review_note="" if approved else "不相关",
            )
        )
    db.session.commit()


def test_too_few_decisions_train_nothing_active(
    sysadmin: User, client: FlaskClient, admin: User
) -> None:
    decided_pairs(admin, 4, 0.5)
    login(client, sysadmin)
    page = client.post("/review/engine/train", follow_redirects=True).get_data(as_text=True)
    assert "继续使用基础评分" in page
    model = db.session.scalar(sa.select(RerankerModel))
    assert model.active is False
    assert model.trained_on == 4


def test_learning_examples_come_from_decided_pairs_only(admin: User) -> None:
    decided_pairs(admin, 6, 0.25)
    pending = make_scenario(make_org(Role.PUBLISHER), title="待定")
    db.session.add(
        Recommendation(
            scenario_id=pending.id,
            capability_id=make_capability(make_org(Role.FIRM)).id,
            score=0.5,
            signals={"word": 0.9},
        )
    )
    old = make_scenario(make_org(Role.PUBLISHER), title="早于信号记录的推荐")
    db.session.add(  # decided before signals were kept: nothing to learn from
        Recommendation(
            scenario_id=old.id,
            capability_id=make_capability(make_org(Role.FIRM)).id,
            score=0.5,
            signals={},
            status=RecommendationStatus.APPROVED,
            reviewer_id=admin.id,
            reviewed_at=utcnow(),
        )
    )
    db.session.commit()
    examples = learning.examples()
    assert len(examples) == 6
    assert learning.example_count() == 6
    assert {e.label for e in examples} == {0, 1}
    assert all(len(e.signals) >= 5 for e in examples)


def ranked_titles(scenario_id: int) -> list[str]:
    from app.models import Scenario
    from app.recommendations import services as recommendations

    scenario = db.session.get(Scenario, scenario_id)
    shown = recommendations.recommend(scenario, top=5)
    # the ranking itself: the pairs above the floor, then those below it (更多可能相关)
    return [s.listing.title for s in (*shown.suggestions, *shown.more)]


def test_a_reranker_learned_from_decisions_moves_rankings_toward_them(
    sysadmin: User, app: Flask, client: FlaskClient, admin: User
) -> None:
    """Reviewers approve same-domain pairs and reject the rest, whatever the shared words."""
    publisher_org, firm_org = make_org(Role.PUBLISHER), make_org(Role.FIRM)
    scenario = make_scenario(publisher_org, title="道路病害巡检", domain="智慧交通")
    wordy = make_capability(
        firm_org,
        title="道路病害巡检识别",
        description="道路病害巡检识别，道路坑槽裂缝井盖病害巡检识别，病害台账。",
        domains=["工业制造"],
    )
    fitting = make_capability(
        firm_org,
        title="交通设施养护平台",
        description="面向交通管理部门的设施养护派单与考核平台，支持道路巡检。",
        domains=["智慧交通"],
    )
    assert ranked_titles(scenario.id)[:2] == [wordy.title, fitting.title]  # words win at first
    history = [make_scenario(publisher_org, title=f"历史场景{k}") for k in range(10)]
    for n in range(80):  # eight reviewed pairs per past scenario, as the queue proposes them
        same_domain = n % 2 == 0
        pair_capability = make_capability(
            firm_org,
            title=f"历史能力{n}",
            description="集团财务共享中心：费用报销、会计核算、资金结算一体化。",
            keywords="",
            domains=["金融科技"],
            tags=["云计算"],
        )
        db.session.add(
            Recommendation(
                scenario_id=history[n // 8].id,
                capability_id=pair_capability.id,
                score=0.3,
                signals={
                    "word": 0.2 + (n % 7) / 10,
                    "char": 0.1 + (n % 5) / 10,
                    "domain": 1.0 if same_domain else 0.0,
                    "tag": 0.0,
                    "district": float(n % 3 == 0),
                },
                status=RecommendationStatus.APPROVED
                if same_domain
                else RecommendationStatus.REJECTED,
                reviewer_id=admin.id,
                reviewed_at=utcnow(),
                review_note="" if same_domain else "领域不符",
            )
        )
    db.session.commit()
    login(client, sysadmin)
    page = client.post("/review/engine/train", follow_redirects=True).get_data(as_text=True)
    assert "已启用" in page
    model = db.session.scalar(sa.select(RerankerModel))
    assert model.active is True
    assert model.learned_metrics["auc"] > model.base_metrics["auc"]
    assert ranked_titles(scenario.id)[:2] == [fitting.title, wordy.title]  # the labels' way
    client.post("/review/engine/deactivate")
    assert ranked_titles(scenario.id)[:2] == [wordy.title, fitting.title]  # back to the base
    assert "使用中" not in client.get("/review/engine").get_data(as_text=True)


def test_the_engine_page_shows_the_served_version_and_a_pending_change(
    sysadmin: User, app: Flask, client: FlaskClient, publisher: User
) -> None:
    make_scenario(publisher.organization)
    login(client, sysadmin)
    page = client.get("/review/engine").get_data(as_text=True)
    assert live(app).current().version in page
    assert 'data-testid="engine-up-to-date"' in page
    assert "flask --app app" not in page  # nothing to run by hand in the normal flow

    db.session.add(VocabularyEntry(kind=VocabularyKind.WORD, text="桥梁健康监测"))
    db.session.commit()  # stored without its engine change having been built yet
    assert 'data-testid="engine-pending"' in client.get("/review/engine").get_data(as_text=True)

    response = client.post("/review/engine/rebuild")
    assert response.headers["Location"] == "/review/engine"
    artifact = db.session.scalar(sa.select(IndexArtifact))
    page = client.get("/review/engine").get_data(as_text=True)
    assert 'data-testid="engine-up-to-date"' in page
    assert artifact.version in page
    assert live(app).current().version == artifact.version
