"""Administrators review organisations, listings and the engine's recommended pairs."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import (
    AuditEvent,
    Capability,
    ListingStatus,
    Organization,
    OrgStatus,
    Recommendation,
    RecommendationStatus,
    Role,
    Scenario,
    User,
)
from tests.conftest import login
from tests.factories import make_capability, make_org, make_scenario, make_user


def approve(client: FlaskClient, url: str) -> None:
    response = client.post(url, data={"decision": "approve"})
    assert response.status_code == 302


def test_an_administrator_approves_an_organisation_which_may_then_publish(
    client: FlaskClient, admin: User
) -> None:
    user = make_user(make_org(Role.FIRM, status=OrgStatus.PENDING, name="待审核企业"))
    login(client, admin)
    assert "待审核企业" in client.get("/review/organizations").get_data(as_text=True)
    approve(client, f"/review/organizations/{user.organization_id}/decide")
    org = db.session.get(Organization, user.organization_id)
    assert org.status is OrgStatus.APPROVED
    assert org.reviewed_at is not None
    page = client.get("/review/organizations").get_data(as_text=True)
    assert f'data-testid="org-{org.id}"' not in page
    audit = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.subject_type == "organizations")
    )
    assert (audit.action, audit.actor_id) == ("approve", admin.id)


def test_rejecting_an_organisation_needs_a_reason_which_the_owner_sees(
    client: FlaskClient, admin: User
) -> None:
    user = make_user(make_org(Role.FIRM, status=OrgStatus.PENDING))
    login(client, admin)
    response = client.post(
        f"/review/organizations/{user.organization_id}/decide",
        data={"decision": "reject"},
        follow_redirects=True,
    )
    assert "驳回时请填写原因" in response.get_data(as_text=True)
    assert db.session.get(Organization, user.organization_id).status is OrgStatus.PENDING
    client.post(
        f"/review/organizations/{user.organization_id}/decide",
        data={"decision": "reject", "reason": "营业执照信息不一致"},
    )
    login(client, user)
    page = client.get("/my/").get_data(as_text=True)
    assert "已驳回" in page
    assert "营业执照信息不一致" in page


def test_an_organisation_is_decided_once(client: FlaskClient, admin: User, firm: User) -> None:
    login(client, admin)
    response = client.post(
        f"/review/organizations/{firm.organization_id}/decide",
        data={"decision": "reject", "reason": "再审"},
        follow_redirects=True,
    )
    assert "不能重复审核" in response.get_data(as_text=True)
    assert db.session.get(Organization, firm.organization_id).status is OrgStatus.APPROVED


def test_a_decision_without_a_choice_is_refused(client: FlaskClient, admin: User) -> None:
    org = make_org(Role.FIRM, status=OrgStatus.PENDING)
    login(client, admin)
    response = client.post(f"/review/organizations/{org.id}/decide", data={}, follow_redirects=True)
    assert "请选择审核结果" in response.get_data(as_text=True)
    response = client.post(
        f"/review/organizations/{org.id}/decide", data={"decision": "maybe"}, follow_redirects=True
    )
    assert "不是有效的选择" in response.get_data(as_text=True)


def test_a_rejected_listing_goes_back_to_its_owner_with_the_reason(
    client: FlaskClient, admin: User, publisher: User
) -> None:
    scenario = make_scenario(publisher.organization, ListingStatus.PENDING)
    login(client, admin)
    client.post(
        f"/review/scenarios/{scenario.id}/decide",
        data={"decision": "reject", "reason": "请补充预算依据"},
    )
    scenario = db.session.get(Scenario, scenario.id)
    assert (scenario.status, scenario.review_note) == (ListingStatus.REJECTED, "请补充预算依据")
    login(client, publisher)
    assert "请补充预算依据" in client.get("/my/").get_data(as_text=True)


def test_only_pending_listings_can_be_decided(client: FlaskClient, admin: User, firm: User) -> None:
    capability = make_capability(firm.organization, ListingStatus.DRAFT)
    login(client, admin)
    response = client.post(
        f"/review/capabilities/{capability.id}/decide",
        data={"decision": "approve"},
        follow_redirects=True,
    )
    assert "不能审核通过" in response.get_data(as_text=True)
    assert db.session.get(Capability, capability.id).status is ListingStatus.DRAFT


def test_a_listing_of_an_unapproved_organisation_is_not_published(
    client: FlaskClient, admin: User
) -> None:
    org = make_org(Role.FIRM, status=OrgStatus.PENDING)
    capability = make_capability(org, ListingStatus.PENDING)
    login(client, admin)
    response = client.post(
        f"/review/capabilities/{capability.id}/decide",
        data={"decision": "approve"},
        follow_redirects=True,
    )
    assert "发布单位尚未通过审核" in response.get_data(as_text=True)
    assert db.session.get(Capability, capability.id).status is ListingStatus.PENDING


def publish_pair(client: FlaskClient, admin: User, publisher: User, firm: User) -> Recommendation:
    """A firm's capability is published, then a fitting scenario: the pair enters the queue."""
    capability = make_capability(firm.organization, ListingStatus.PENDING)
    make_capability(
        firm.organization,
        ListingStatus.PUBLISHED,
        title="财务共享服务平台",
        description="集团财务共享中心，费用报销、会计核算、资金管理和税务发票一体化处理。",
        keywords="财务共享、报销、资金",
        domains=["金融科技"],
        tags=["云计算"],
    )
    scenario = make_scenario(publisher.organization, ListingStatus.PENDING)
    login(client, admin)
    approve(client, f"/review/capabilities/{capability.id}/decide")
    approve(client, f"/review/scenarios/{scenario.id}/decide")
    recommendation = db.session.scalar(
        sa.select(Recommendation).where(Recommendation.capability_id == capability.id)
    )
    assert recommendation is not None, "publishing the scenario queued the fitting pair"
    return recommendation


def app_min_score() -> float:
    from app.recommendations.levels import review_min_score

    return review_min_score()


def test_publishing_queues_the_fitting_pair_with_its_reasons(
    client: FlaskClient, admin: User, publisher: User, firm: User
) -> None:
    recommendation = publish_pair(client, admin, publisher, firm)
    assert recommendation.status is RecommendationStatus.PENDING
    assert app_min_score() <= recommendation.score <= 1
    assert {"病害", "坑槽"} <= set(recommendation.terms), recommendation.terms
    pairs = db.session.scalars(sa.select(Recommendation.capability_id)).all()
    assert len(pairs) == 1, "the unrelated finance capability is not proposed"
    page = client.get("/review/matches").get_data(as_text=True)
    assert f'data-testid="match-{recommendation.id}"' in page
    assert "城市道路病害智能巡检" in page
    assert "道路病害智能识别系统" in page


def test_the_queue_hides_pairs_below_the_threshold(
    client: FlaskClient, admin: User, publisher: User, firm: User
) -> None:
    from app.recommendations.levels import probability

    recommendation = publish_pair(client, admin, publisher, firm)
    p = probability(recommendation.score)
    above = client.get(f"/review/matches?min_probability={p - 0.01:.3f}")
    assert f"match-{recommendation.id}" in above.get_data(as_text=True)
    below = client.get(f"/review/matches?min_probability={p + 0.01:.3f}")
    assert f"match-{recommendation.id}" not in below.get_data(as_text=True)
    assert client.get("/review/matches?min_probability=nan").status_code == 200


def test_an_approved_pair_appears_to_both_organisations_as_platform_recommendation(
    client: FlaskClient, admin: User, publisher: User, firm: User, other_firm: User
) -> None:
    recommendation = publish_pair(client, admin, publisher, firm)
    approve(client, f"/review/matches/{recommendation.id}/decide")
    decided = db.session.get(Recommendation, recommendation.id)
    assert decided.status is RecommendationStatus.APPROVED
    assert decided.reviewer_id == admin.id
    assert decided.reviewed_at is not None
    for user in (publisher, firm):
        login(client, user)
        page = client.get("/my/").get_data(as_text=True)
        assert "平台推荐" in page
        assert "城市道路病害智能巡检" in page
        assert "道路病害智能识别系统" in page
    login(client, other_firm)
    assert "城市道路病害智能巡检" not in client.get("/my/").get_data(as_text=True)


def test_rejecting_a_pair_needs_a_reason_and_it_is_decided_once(
    client: FlaskClient, admin: User, publisher: User, firm: User
) -> None:
    recommendation = publish_pair(client, admin, publisher, firm)
    url = f"/review/matches/{recommendation.id}/decide"
    page = client.post(url, data={"decision": "reject"}, follow_redirects=True)
    assert "驳回时请填写原因" in page.get_data(as_text=True)
    client.post(url, data={"decision": "reject", "reason": "企业能力不覆盖井盖识别"})
    decided = db.session.get(Recommendation, recommendation.id)
    assert (decided.status, decided.review_note) == (
        RecommendationStatus.REJECTED,
        "企业能力不覆盖井盖识别",
    )
    again = client.post(url, data={"decision": "approve"}, follow_redirects=True)
    assert "不能重复审核" in again.get_data(as_text=True)
    login(client, firm)
    assert "城市道路病害智能巡检" not in client.get("/my/").get_data(as_text=True)


def test_recommendations_on_a_listing_page_are_for_its_owner_and_administrators(
    client: FlaskClient, admin: User, publisher: User, firm: User, other_firm: User
) -> None:
    scenario = make_scenario(publisher.organization)
    make_capability(firm.organization)
    for user, shown in [
        (publisher, True),
        (admin, True),
        (firm, False),
        (other_firm, False),
        (None, False),
    ]:
        login(client, user)
        page = client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
        assert ("道路病害智能识别系统" in page) is shown
        assert ("推荐理由" in page) is shown


def test_a_newly_published_capability_is_recommended_at_once(
    client: FlaskClient, admin: User, publisher: User, firm: User
) -> None:
    scenario = make_scenario(publisher.organization)
    capability = make_capability(firm.organization, ListingStatus.PENDING)
    login(client, publisher)
    assert "道路病害智能识别系统" not in client.get(f"/scenarios/{scenario.id}").get_data(
        as_text=True
    )
    login(client, admin)
    approve(client, f"/review/capabilities/{capability.id}/decide")
    login(client, publisher)
    assert "道路病害智能识别系统" in client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
    login(client, firm)
    page = client.get(f"/capabilities/{capability.id}").get_data(as_text=True)
    assert "城市道路病害智能巡检" in page  # 为产品找场景: the firm sees the scenario


def test_a_database_constraint_keeps_one_recommendation_per_pair(
    app: Flask, publisher: User, firm: User
) -> None:
    scenario = make_scenario(publisher.organization)
    capability = make_capability(firm.organization)
    db.session.add(Recommendation(scenario_id=scenario.id, capability_id=capability.id, score=0.5))
    db.session.commit()
    db.session.add(Recommendation(scenario_id=scenario.id, capability_id=capability.id, score=0.4))
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
    else:
        raise AssertionError("a duplicate pair was stored")


def test_the_overview_counts_what_waits_for_review(
    client: FlaskClient, admin: User, publisher: User
) -> None:
    make_org(Role.FIRM, status=OrgStatus.PENDING)
    make_org(Role.PUBLISHER, status=OrgStatus.PENDING)
    make_scenario(publisher.organization, ListingStatus.PENDING)
    make_scenario(publisher.organization, ListingStatus.DRAFT)
    login(client, admin)
    page = client.get("/review/").get_data(as_text=True)
    assert '<strong data-testid="pending-organizations">2</strong>' in page
    assert '<strong data-testid="pending-scenarios">1</strong>' in page
