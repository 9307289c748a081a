"""Listing lifecycle and history: revisions of published listings, versions and their diffs,
optimistic locking, withdrawing, closing and expiry."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app import clock
from app.extensions import db
from app.listings import services
from app.models import (
    AuditEvent,
    Capability,
    ListingStatus,
    ListingVersion,
    MatchChange,
    Notification,
    Scenario,
    User,
    VersionStatus,
)
from tests.conftest import login
from tests.factories import make_capability, make_scenario, make_user
from tests.integration.test_listings import capability_form, scenario_form


def versions(listing: Scenario | Capability) -> list[ListingVersion]:
    return services.versions_of(db.session.get(type(listing), listing.id))


def lock_of(page: str) -> str:
    match = re.search(r'name="lock_version"[^>]*value="(\d+)"', page)
    assert match
    return match.group(1)


# ---------------------------------------------------------------- revisions


def test_a_revision_waits_for_review_while_the_public_sees_the_published_text(
    client: FlaskClient, publisher: User, admin: User
) -> None:
    scenario = make_scenario(publisher.organization, title="城市道路病害智能巡检")
    login(client, publisher)
    form_page = client.get(f"/my/scenarios/{scenario.id}/edit").get_data(as_text=True)
    assert "审核通过前公开页面仍显示原内容" in form_page
    response = client.post(
        f"/my/scenarios/{scenario.id}/edit",
        data=scenario_form(title="城市道路病害智能巡检（二期）", lock_version=lock_of(form_page)),
        follow_redirects=True,
    )
    assert "修改已提交审核" in response.get_data(as_text=True)
    assert "修改待审核（第2版）" in response.get_data(as_text=True)

    login(client, None)
    public = client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
    assert "城市道路病害智能巡检（二期）" not in public
    assert "城市道路病害智能巡检" in public
    assert db.session.get(Scenario, scenario.id).status is ListingStatus.PUBLISHED

    history = versions(scenario)
    assert [(v.number, v.status, v.is_revision) for v in history] == [
        (2, VersionStatus.PENDING, True),
        (1, VersionStatus.APPROVED, False),  # the content it was published with
    ]
    assert history[0].snapshot["title"] == "城市道路病害智能巡检（二期）"
    assert history[0].author_id == publisher.id


def test_editing_again_before_review_replaces_the_waiting_revision(
    client: FlaskClient, publisher: User
) -> None:
    scenario = make_scenario(publisher.organization)
    login(client, publisher)
    for title in ("第一次修改的场景名称", "第二次修改的场景名称"):
        page = client.get(f"/my/scenarios/{scenario.id}/edit").get_data(as_text=True)
        client.post(
            f"/my/scenarios/{scenario.id}/edit",
            data=scenario_form(title=title, lock_version=lock_of(page)),
        )
    # the form starts from the waiting revision, not from the public text
    assert "第二次修改的场景名称" in client.get(f"/my/scenarios/{scenario.id}/edit").get_data(
        as_text=True
    )
    history = versions(scenario)
    assert [(v.number, v.status) for v in history] == [
        (2, VersionStatus.PENDING),
        (1, VersionStatus.APPROVED),
    ]
    assert history[0].snapshot["title"] == "第二次修改的场景名称"


def test_approving_a_revision_publishes_it_and_tells_the_matching_engine(
    client: FlaskClient, publisher: User, admin: User
) -> None:
    scenario = make_scenario(publisher.organization)
    login(client, publisher)
    client.post(
        f"/my/scenarios/{scenario.id}/edit",
        data=scenario_form(title="城市桥梁安全运行监测（修订）", budget_wan="120"),
    )
    changes_before = db.session.scalar(sa.select(sa.func.count(MatchChange.id)))
    login(client, admin)
    queue = client.get("/review/listings").get_data(as_text=True)
    assert "发布后修改" in queue
    assert "城市桥梁安全运行监测（修订）" in queue  # the diff: old and new side by side
    assert 'data-field="budget_wan"' in queue
    response = client.post(f"/review/scenarios/{scenario.id}/decide", data={"decision": "approve"})
    assert response.headers["Location"] == "/review/listings"

    scenario = db.session.get(Scenario, scenario.id)
    assert scenario.title == "城市桥梁安全运行监测（修订）"
    assert str(scenario.budget_wan) == "120.00"
    assert scenario.status is ListingStatus.PUBLISHED
    assert scenario.features
    assert "桥梁" in str(scenario.features)
    latest = versions(scenario)[0]
    assert (latest.status, latest.reviewer_id) == (VersionStatus.APPROVED, admin.id)
    assert latest.decided_at is not None
    assert db.session.scalar(sa.select(sa.func.count(MatchChange.id))) == changes_before + 1
    notice = db.session.scalar(sa.select(Notification).where(Notification.user_id == publisher.id))
    assert notice.kind == "listing_reviewed"
    assert "修改已审核通过" in notice.title
    login(client, None)
    assert "城市桥梁安全运行监测（修订）" in client.get(f"/scenarios/{scenario.id}").get_data(
        as_text=True
    )


def test_rejecting_a_revision_keeps_the_published_text_and_says_why(
    client: FlaskClient, firm: User, admin: User
) -> None:
    capability = make_capability(firm.organization, title="道路病害智能识别系统")
    login(client, firm)
    client.post(
        f"/my/capabilities/{capability.id}/edit",
        data=capability_form(title="道路病害智能识别系统V2"),
    )
    login(client, admin)
    client.post(
        f"/review/capabilities/{capability.id}/decide",
        data={"decision": "reject", "preset": "资质或案例信息无法核实", "reason": "请上传证书"},
    )
    capability = db.session.get(Capability, capability.id)
    assert (capability.title, capability.status) == (
        "道路病害智能识别系统",
        ListingStatus.PUBLISHED,
    )
    latest = versions(capability)[0]
    assert (latest.status, latest.note) == (
        VersionStatus.REJECTED,
        "资质或案例信息无法核实；请上传证书",
    )
    notice = db.session.scalar(sa.select(Notification).where(Notification.user_id == firm.id))
    assert "修改未通过审核" in notice.title
    assert "请上传证书" in notice.body
    login(client, firm)
    page = client.get(f"/capabilities/{capability.id}").get_data(as_text=True)
    assert "驳回原因：资质或案例信息无法核实；请上传证书" in page


def test_submitting_keeps_a_version_per_submission_and_the_history_shows_the_diff(
    client: FlaskClient, publisher: User, admin: User
) -> None:
    login(client, publisher)
    client.post("/my/scenarios/new", data=scenario_form())
    scenario = db.session.scalar(sa.select(Scenario))
    client.post(f"/my/scenarios/{scenario.id}/submit")
    login(client, admin)
    client.post(
        f"/review/scenarios/{scenario.id}/decide",
        data={"decision": "reject", "preset": "预算、截止日期等信息不明确"},
    )
    login(client, publisher)
    client.post(f"/my/scenarios/{scenario.id}/edit", data=scenario_form(budget_wan="250"))
    client.post(f"/my/scenarios/{scenario.id}/submit")
    login(client, admin)
    client.post(f"/review/scenarios/{scenario.id}/decide", data={"decision": "approve"})

    assert [(v.number, v.status) for v in versions(scenario)] == [
        (2, VersionStatus.APPROVED),
        (1, VersionStatus.REJECTED),
    ]
    for user in (publisher, admin):
        login(client, user)
        page = client.get(f"/my/scenarios/{scenario.id}/versions").get_data(as_text=True)
        assert "第2版" in page
        assert "第1版" in page
        assert "预算、截止日期等信息不明确" in page  # the decision's note
        assert admin.name in page
        assert publisher.name in page
        second = page[page.index('data-testid="version-2"') : page.index('data-testid="version-1"')]
        assert "预算（万元）" in second
        assert "300.00" in second
        assert "250.00" in second


def test_the_history_is_for_the_owner_and_administrators_only(
    client: FlaskClient, publisher: User, firm: User
) -> None:
    scenario = make_scenario(publisher.organization)
    login(client, firm)
    assert client.get(f"/my/scenarios/{scenario.id}/versions").status_code == 404
    login(client, None)
    response = client.get(f"/my/scenarios/{scenario.id}/versions")
    assert response.headers["Location"].startswith("/auth/login?next=")
    login(client, publisher)
    assert client.get(f"/my/capabilities/{scenario.id}/versions").status_code == 404
    assert client.get("/my/scenarios/999999/versions").status_code == 404


# ---------------------------------------------------------------- optimistic locking


def test_a_save_based_on_a_stale_copy_is_refused_and_the_typed_text_is_kept(
    client: FlaskClient, publisher: User
) -> None:
    scenario = make_scenario(publisher.organization, ListingStatus.DRAFT)
    colleague = make_user(publisher.organization)
    login(client, publisher)
    stale = lock_of(client.get(f"/my/scenarios/{scenario.id}/edit").get_data(as_text=True))
    login(client, colleague)
    client.post(
        f"/my/scenarios/{scenario.id}/edit",
        data=scenario_form(title="同事先保存的场景名称", lock_version=stale),
    )
    login(client, publisher)
    response = client.post(
        f"/my/scenarios/{scenario.id}/edit",
        data=scenario_form(title="我正在编辑的场景名称", lock_version=stale),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "该内容已被他人修改" in page
    assert 'value="我正在编辑的场景名称"' in page  # nothing typed is lost
    assert "同事先保存的场景名称" in page  # the conflict shows what the other person saved
    assert db.session.get(Scenario, scenario.id).title == "同事先保存的场景名称"

    # having seen the difference, saving again (now based on the new version) goes through
    client.post(
        f"/my/scenarios/{scenario.id}/edit",
        data=scenario_form(title="我正在编辑的场景名称", lock_version=lock_of(page)),
    )
    assert db.session.get(Scenario, scenario.id).title == "我正在编辑的场景名称"


def test_a_stale_revision_edit_is_refused_too(client: FlaskClient, firm: User) -> None:
    capability = make_capability(firm.organization)
    login(client, firm)
    stale = lock_of(client.get(f"/my/capabilities/{capability.id}/edit").get_data(as_text=True))
    first = client.post(
        f"/my/capabilities/{capability.id}/edit",
        data=capability_form(title="先保存的修订名称", lock_version=stale),
    )
    assert first.status_code == 302
    second = client.post(
        f"/my/capabilities/{capability.id}/edit",
        data=capability_form(title="后保存的修订名称", lock_version=stale),
    )
    assert second.status_code == 409
    assert versions(capability)[0].snapshot["title"] == "先保存的修订名称"


def test_a_review_decision_on_a_listing_changed_meanwhile_is_refused(
    client: FlaskClient, publisher: User, admin: User
) -> None:
    scenario = make_scenario(publisher.organization)
    login(client, publisher)
    client.post(f"/my/scenarios/{scenario.id}/edit", data=scenario_form(title="第一版修改内容"))
    seen = db.session.get(Scenario, scenario.id).lock_version  # what the reviewer loaded
    client.post(f"/my/scenarios/{scenario.id}/edit", data=scenario_form(title="第二版修改内容"))
    login(client, admin)
    response = client.post(
        f"/review/scenarios/{scenario.id}/decide",
        data={"decision": "approve", "lock_version": str(seen)},
        follow_redirects=True,
    )
    assert "在您审核期间已被修改，请查看最新内容后重新审核" in response.get_data(as_text=True)
    scenario = db.session.get(Scenario, scenario.id)
    assert scenario.title != "第二版修改内容"
    assert versions(scenario)[0].status is VersionStatus.PENDING


def test_the_database_refuses_a_write_from_a_stale_copy(app: Flask, publisher: User) -> None:
    from sqlalchemy.orm import Session
    from sqlalchemy.orm.exc import StaleDataError

    scenario = make_scenario(publisher.organization, ListingStatus.DRAFT)
    with Session(db.engine) as other:  # another request changes the row first
        row = other.get(Scenario, scenario.id)
        row.title = "另一个请求保存的名称"
        other.commit()
    scenario.title = "基于旧副本的名称"
    with pytest.raises(StaleDataError):
        db.session.flush()
    db.session.rollback()


# ---------------------------------------------------------------- withdraw, close, expire


def test_an_owner_withdraws_a_published_listing_with_a_reason(
    client: FlaskClient, publisher: User
) -> None:
    scenario = make_scenario(publisher.organization)
    login(client, publisher)
    refused = client.post(
        f"/my/scenarios/{scenario.id}/withdraw", data={"reason": ""}, follow_redirects=True
    )
    assert "请填写原因" in refused.get_data(as_text=True)
    client.post(f"/my/scenarios/{scenario.id}/withdraw", data={"reason": "需求调整，暂缓实施"})
    scenario = db.session.get(Scenario, scenario.id)
    assert (scenario.status, scenario.close_reason) == (
        ListingStatus.WITHDRAWN,
        "需求调整，暂缓实施",
    )
    change = db.session.scalar(sa.select(MatchChange).order_by(MatchChange.id.desc()))
    assert (change.side, change.listing_id, change.op) == ("scenario", scenario.id, "remove")
    login(client, None)
    assert client.get(f"/scenarios/{scenario.id}").status_code == 404
    # it is back with its owner, who may fix it and submit it again
    login(client, publisher)
    assert client.get(f"/my/scenarios/{scenario.id}/edit").status_code == 200


def test_an_owner_closes_and_an_administrator_closes_with_notice(
    client: FlaskClient, firm: User, other_firm: User, admin: User
) -> None:
    mine = make_capability(firm.organization)
    theirs = make_capability(firm.organization, title="另一项能力产品")
    login(client, other_firm)
    assert client.post(f"/my/capabilities/{mine.id}/close", data={"reason": "x"}).status_code == 404
    login(client, firm)
    client.post(f"/my/capabilities/{mine.id}/close", data={"reason": "产品已停止销售"})
    assert db.session.get(Capability, mine.id).status is ListingStatus.CLOSED
    again = client.post(
        f"/my/capabilities/{mine.id}/close", data={"reason": "再关一次"}, follow_redirects=True
    )
    assert "当前状态为“已关闭”，不能关闭" in again.get_data(as_text=True)

    login(client, admin)
    response = client.post(
        f"/review/capabilities/{theirs.id}/close", data={"reason": "宣传内容与实际不符"}
    )
    assert response.headers["Location"] == f"/capabilities/{theirs.id}"
    assert db.session.get(Capability, theirs.id).status is ListingStatus.CLOSED
    notice = db.session.scalar(sa.select(Notification).where(Notification.user_id == firm.id))
    assert "已被平台管理员关闭" in notice.title
    assert "宣传内容与实际不符" in notice.body


def test_a_draft_cannot_be_closed(client: FlaskClient, publisher: User) -> None:
    scenario = make_scenario(publisher.organization, ListingStatus.DRAFT)
    login(client, publisher)
    page = client.post(
        f"/my/scenarios/{scenario.id}/close", data={"reason": "不需要了"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "当前状态为“草稿”，不能关闭" in page
    assert db.session.get(Scenario, scenario.id).status is ListingStatus.DRAFT


def test_withdrawing_drops_a_waiting_revision(client: FlaskClient, publisher: User) -> None:
    scenario = make_scenario(publisher.organization)
    login(client, publisher)
    client.post(f"/my/scenarios/{scenario.id}/edit", data=scenario_form(title="待审核的修改"))
    client.post(f"/my/scenarios/{scenario.id}/withdraw", data={"reason": "重新规划"})
    latest = versions(scenario)[0]
    assert (latest.status, latest.note) == (VersionStatus.REJECTED, "内容已撤回")
    assert services.pending_version(db.session.get(Scenario, scenario.id)) is None


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Move the platform's calendar forward by some days (every date rule reads clock.today)."""

    def move(days: int) -> date:
        target = clock.today() + timedelta(days=days)
        monkeypatch.setattr(clock, "today", lambda: target)
        return target

    return move


def test_a_scenario_past_its_deadline_never_shows_as_open(
    client: FlaskClient, app: Flask, publisher: User, later: Any
) -> None:
    scenario = make_scenario(
        publisher.organization, title="即将截止的场景", deadline=clock.today() + timedelta(days=3)
    )
    assert "即将截止的场景" in client.get("/scenarios").get_data(as_text=True)
    later(4)
    # before any sweep: not listed, not public, shown as 已过期 to its owner
    assert "即将截止的场景" not in client.get("/scenarios").get_data(as_text=True)
    assert client.get(f"/scenarios/{scenario.id}").status_code == 404
    login(client, publisher)
    assert "已过期" in client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)

    result = app.test_cli_runner().invoke(args=["listings", "expire"])
    assert result.exit_code == 0, result.output
    assert "已将 1 个" in result.output
    scenario = db.session.get(Scenario, scenario.id)
    assert scenario.status is ListingStatus.EXPIRED
    assert "申报截止日期" in scenario.close_reason
    change = db.session.scalar(sa.select(MatchChange).order_by(MatchChange.id.desc()))
    assert (change.listing_id, change.op) == (scenario.id, "remove")
    assert (
        db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.subject_id == scenario.id))
        == "expire"
    )
    again = app.test_cli_runner().invoke(args=["listings", "expire"])
    assert "已将 0 个" in again.output


def test_the_deadline_day_itself_is_still_open(publisher: User, later: Any) -> None:
    scenario = make_scenario(publisher.organization, deadline=clock.today() + timedelta(days=2))
    later(2)
    assert services.expire_due() == []
    assert db.session.get(Scenario, scenario.id).is_published


def test_expired_scenarios_leave_the_recommendations(
    client: FlaskClient, publisher: User, firm: User, later: Any
) -> None:
    make_scenario(publisher.organization, deadline=clock.today() + timedelta(days=1))
    capability = make_capability(firm.organization)
    login(client, firm)
    assert "城市道路病害智能巡检" in client.get(f"/capabilities/{capability.id}").get_data(
        as_text=True
    )
    later(5)
    assert "城市道路病害智能巡检" not in client.get(f"/capabilities/{capability.id}").get_data(
        as_text=True
    )


def test_the_workspace_marks_listings_whose_revision_waits(
    client: FlaskClient, publisher: User
) -> None:
    scenario = make_scenario(publisher.organization, title="桥梁监测场景甲")
    make_scenario(publisher.organization, title="桥梁监测场景乙")
    login(client, publisher)
    assert "修改待审核" not in client.get("/my/").get_data(as_text=True)
    client.post(f"/my/scenarios/{scenario.id}/edit", data=scenario_form(title="修改后的场景名称"))
    page = client.get("/my/").get_data(as_text=True)
    row = page[page.index("桥梁监测场景甲") :]
    assert row.index("修改待审核") < row.index("</tr>")
    assert page.count('class="badge badge-warn">修改待审核') == 1


def test_editing_again_after_a_rejected_revision_hides_the_old_reason(
    client: FlaskClient, firm: User, admin: User
) -> None:
    capability = make_capability(firm.organization, title="道路病害智能识别系统")
    login(client, firm)
    client.post(
        f"/my/capabilities/{capability.id}/edit",
        data=capability_form(title="道路病害智能识别系统第二版"),
    )
    login(client, admin)
    client.post(
        f"/review/capabilities/{capability.id}/decide",
        data={"decision": "reject", "preset": "资质或案例信息无法核实", "reason": "请上传证书"},
    )
    login(client, firm)
    client.post(
        f"/my/capabilities/{capability.id}/edit",
        data=capability_form(title="道路病害智能识别系统第三版"),
    )
    page = client.get(f"/capabilities/{capability.id}").get_data(as_text=True)
    assert 'data-testid="revision-pending"' in page
    assert "请上传证书" not in page  # the new revision waits; the old reason was about the last one
    assert "请上传证书" not in client.get("/my/").get_data(as_text=True)
