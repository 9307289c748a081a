"""The 工作台's 待办 panel and bulk submission of drafts (issue 12)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app.extensions import db
from app.models import (
    Engagement,
    EngagementOrigin,
    EngagementStage,
    ListingStatus,
    Recommendation,
    RecommendationStatus,
    Scenario,
    User,
)
from app.models.base import utcnow
from tests.conftest import login
from tests.factories import make_capability, make_scenario


def _status(listing_id: int) -> ListingStatus:
    return db.session.scalar(sa.select(Scenario.status).where(Scenario.id == listing_id))


def test_a_publishers_todo_lists_drafts_rejections_and_applications_with_links(
    client: FlaskClient, publisher: User, firm: User
) -> None:
    org = publisher.organization
    make_scenario(org, ListingStatus.DRAFT, title="草稿一")
    make_scenario(org, ListingStatus.REJECTED, title="被驳回的", review_note="预算不明")
    applied = make_scenario(org, title="有人揭榜的场景")
    db.session.add(
        Engagement(
            scenario=applied,
            firm=firm.organization,
            origin=EngagementOrigin.APPLICATION,
            stage=EngagementStage.INTENT,
        )
    )
    db.session.commit()
    login(client, publisher)
    page = client.get("/my/").get_data(as_text=True)
    assert 'data-testid="todo-panel"' in page
    assert '待提交审核的草稿</a> <span class="badge badge-warn">1</span>' in page
    assert '被驳回待修改</a> <span class="badge badge-warn">1</span>' in page
    assert '<a href="/my/engagements">待回复的揭榜申请</a>' in page
    assert "待办（共 3 项）" in page  # a rejected listing is counted once


def test_a_firms_todo_lists_pairs_pushed_to_it_not_yet_taken_up(
    client: FlaskClient, publisher: User, firm: User, admin: User
) -> None:
    capability = make_capability(firm.organization)
    scenario = make_scenario(publisher.organization)
    db.session.add(
        Recommendation(
            scenario=scenario,
            capability=capability,
            score=0.9,
            status=RecommendationStatus.APPROVED,
            reviewer_id=admin.id,
            reviewed_at=utcnow(),
        )
    )
    db.session.commit()
    login(client, firm)
    page = client.get("/my/").get_data(as_text=True)
    assert (
        '<a href="#platform">待响应的平台推荐</a> <span class="badge badge-warn">1</span>' in page
    )
    db.session.add(
        Engagement(
            scenario=scenario,
            firm=firm.organization,
            origin=EngagementOrigin.RECOMMENDATION,
            stage=EngagementStage.INTENT,
        )
    )
    db.session.commit()
    assert "待响应的平台推荐" not in client.get("/my/").get_data(as_text=True)


def test_ticked_drafts_are_submitted_and_an_incomplete_one_is_listed_with_its_reason(
    client: FlaskClient, publisher: User, admin: User
) -> None:
    org = publisher.organization
    good = make_scenario(org, ListingStatus.DRAFT, title="完整的导入草稿")
    other = make_scenario(org, ListingStatus.DRAFT, title="另一份完整草稿")
    bad = make_scenario(org, ListingStatus.DRAFT, title="缺描述的导入草稿", description="")
    published = make_scenario(org, title="已发布的")
    login(client, publisher)
    page = client.get("/my/").get_data(as_text=True)
    assert f'data-testid="pick-{good.id}"' in page
    assert f'data-testid="pick-{published.id}"' not in page
    items = [str(good.id), str(bad.id), str(other.id)]
    response = client.post("/my/submit", data={"items": items})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/my/#drafts")
    assert _status(good.id) is ListingStatus.PENDING
    assert _status(other.id) is ListingStatus.PENDING
    assert _status(bad.id) is ListingStatus.DRAFT  # nothing lost: still a draft to finish
    flashed = client.get("/my/").get_data(as_text=True)
    assert "已提交审核2项" in flashed
    assert "未提交：“缺描述的导入草稿”：内容不完整" in flashed


def test_bulk_submit_refuses_another_organisations_listings(
    client: FlaskClient, publisher: User
) -> None:
    from tests.factories import make_org, make_user

    stranger = make_user(make_org(publisher.organization.role))
    theirs = make_scenario(stranger.organization, ListingStatus.DRAFT)
    login(client, publisher)
    page = client.post("/my/submit", data={"items": [str(theirs.id)]}, follow_redirects=True)
    assert "内容不存在" in page.get_data(as_text=True)
    assert _status(theirs.id) is ListingStatus.DRAFT


@pytest.mark.parametrize("who", ["admin", None])
def test_only_owners_bulk_submit(
    client: FlaskClient, request: pytest.FixtureRequest, who: str | None
) -> None:
    login(client, request.getfixturevalue(who) if who else None)
    response = client.post("/my/submit", data={"items": ["1"]})
    assert response.status_code == (403 if who else 302)


def test_a_firm_bulk_submits_a_complete_capability_draft(client: FlaskClient, firm: User) -> None:
    from app.models import Capability

    draft = make_capability(firm.organization, ListingStatus.DRAFT, title="导入的能力草稿")
    login(client, firm)
    client.post("/my/submit", data={"items": [str(draft.id)]})
    status = db.session.scalar(sa.select(Capability.status).where(Capability.id == draft.id))
    assert status is ListingStatus.PENDING
