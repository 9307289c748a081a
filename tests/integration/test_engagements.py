"""Engagements (对接): applying, accepting recommendations, stages, lists and applicants."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app import storage
from app.engagements import lifecycle, services
from app.engagements.lifecycle import StageChange
from app.errors import DomainError
from app.extensions import db
from app.models import (
    Engagement,
    EngagementOrigin,
    EngagementStage,
    Notification,
    OrgStatus,
    Recommendation,
    RecommendationStatus,
    Role,
    StoredFile,
    User,
)
from app.models.base import utcnow
from tests import files
from tests.conftest import FROZEN_DAY, login
from tests.factories import make_capability, make_engagement, make_org, make_scenario, make_user
from tests.integration.test_storage import files_migration

# deadlines, "today" and publication dates hold still (see FROZEN_AT)
pytestmark = pytest.mark.usefixtures("frozen_clock")

S = EngagementStage
TODAY = FROZEN_DAY


def notices(user: User, kind: str) -> list[str]:
    query = sa.select(Notification.title).where(
        Notification.user_id == user.id, Notification.kind == kind
    )
    return list(db.session.scalars(query))


def move(client: FlaskClient, engagement: Engagement, target: str, **data: object):
    payload = {"target": target, "lock_version": engagement.lock_version, **data}
    return client.post(f"/engagements/{engagement.id}/stage", data=payload, follow_redirects=True)


# --- applying -------------------------------------------------------------------------


def test_a_firm_applies_with_a_proposal_and_the_publisher_is_told(
    client: FlaskClient, publisher: User, firm: User
) -> None:
    scenario = make_scenario(publisher.organization, title="智慧停车诱导")
    capability = make_capability(firm.organization)
    login(client, firm)
    page = client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
    assert "揭榜/申请对接" in page
    response = client.post(
        f"/scenarios/{scenario.id}/apply",
        data={
            "proposal": "我们的系统已在三个区县落地，可在两个月内上线。",
            "capability_id": capability.id,
        },
    )
    engagement = db.session.scalar(sa.select(Engagement))
    assert response.headers["Location"] == f"/engagements/{engagement.id}"
    assert engagement.stage is S.INTENT
    assert engagement.origin is EngagementOrigin.APPLICATION
    assert engagement.capability_id == capability.id
    assert [(e.from_stage, e.to_stage, e.actor_id) for e in engagement.events] == [
        (None, S.INTENT, firm.id)
    ]
    assert notices(publisher, "application_received") == [
        f"{firm.organization.name} 申请对接“智慧停车诱导”"
    ]
    assert "贵单位已申请该场景" in client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)


def test_applying_twice_or_too_briefly_or_after_the_deadline_is_refused(
    client: FlaskClient, publisher: User, firm: User
) -> None:
    scenario = make_scenario(publisher.organization)
    login(client, firm)
    short = client.post(f"/scenarios/{scenario.id}/apply", data={"proposal": "能做"})
    assert "长度应为10至2000个字" in short.get_data(as_text=True)
    client.post(
        f"/scenarios/{scenario.id}/apply", data={"proposal": "我们有成熟的解决方案和案例。"}
    )
    again = client.post(
        f"/scenarios/{scenario.id}/apply", data={"proposal": "再次申请同一个场景可以吗？"}
    )
    engagement = db.session.scalar(sa.select(Engagement))
    assert again.headers["Location"] == f"/engagements/{engagement.id}"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Engagement)) == 1
    with pytest.raises(DomainError, match="贵单位已申请过该场景"):
        services.apply(firm, scenario, "再次申请同一个场景可以吗？")
    late = make_scenario(publisher.organization, deadline=TODAY - timedelta(days=1))
    with pytest.raises(DomainError, match="申报已截止"):
        services.apply(firm, late, "我们有成熟的解决方案和案例。")


def test_a_firm_cannot_apply_with_another_firms_capability(
    client: FlaskClient, publisher: User, firm: User, other_firm: User
) -> None:
    scenario = make_scenario(publisher.organization)
    foreign = make_capability(other_firm.organization)
    with pytest.raises(DomainError, match="请选择贵单位已发布的能力"):
        services.apply(firm, scenario, "我们有成熟的解决方案和案例。", foreign.id)


def test_only_published_scenarios_take_applications(
    client: FlaskClient, publisher: User, firm: User
) -> None:
    from app.models import ListingStatus

    draft = make_scenario(publisher.organization, status=ListingStatus.DRAFT)
    login(client, firm)
    assert client.get(f"/scenarios/{draft.id}/apply").status_code == 404


def test_an_unapproved_firm_cannot_apply(publisher: User) -> None:
    from app.models import OrgStatus

    pending = make_user(make_org(Role.FIRM, status=OrgStatus.PENDING))
    with pytest.raises(DomainError, match="审核通过后才能申请"):
        services.apply(pending, make_scenario(publisher.organization), "我们有成熟的解决方案。")


# --- the lifecycle ----------------------------------------------------------------------


def test_the_full_path_to_landed_with_each_party_moving_its_own_step(
    client: FlaskClient, publisher: User, firm: User
) -> None:
    engagement = make_engagement(publisher, firm)
    login(client, publisher)
    move(client, engagement, "negotiating", note="约定下周现场演示")
    assert notices(firm, "stage_changed") == [f"“{engagement.scenario.title}”对接进展：洽谈中"]
    page = move(
        client,
        engagement,
        "signed",
        contract_amount_wan="186.5",
        contract_date=TODAY.isoformat(),
    ).get_data(as_text=True)
    assert "对接已更新为“已签约”" in page
    login(client, firm)
    move(
        client,
        engagement,
        "landed",
        golive_date=TODAY.isoformat(),
        result_summary="病害发现时间缩短一半",
    )
    db.session.refresh(engagement)
    assert engagement.stage is S.LANDED
    assert engagement.contract_amount_wan == Decimal("186.50")
    assert engagement.golive_date == TODAY
    assert [e.to_stage for e in engagement.events] == [S.INTENT, S.NEGOTIATING, S.SIGNED, S.LANDED]
    assert engagement.events[1].note == "约定下周现场演示"
    assert "合同金额 186.5 万元" in engagement.events[2].note
    assert all(e.created_at is not None for e in engagement.events)
    timeline = client.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    assert "已签约 → 已落地" in timeline
    assert "病害发现时间缩短一半" in timeline


def test_out_of_order_changes_are_refused_with_a_message(
    client: FlaskClient, publisher: User, firm: User
) -> None:
    engagement = make_engagement(publisher, firm)
    login(client, publisher)
    page = move(
        client, engagement, "signed", contract_amount_wan="10", contract_date=TODAY.isoformat()
    ).get_data(as_text=True)
    assert "对接当前为“意向”，不能变更为“已签约”" in page
    assert db.session.get(Engagement, engagement.id).stage is S.INTENT
    page = move(client, engagement, "intent").get_data(as_text=True)
    assert "不能变更为“意向”" in page
    assert "无效的操作" in move(client, engagement, "bogus").get_data(as_text=True)


def test_the_wrong_party_is_refused(publisher: User, firm: User) -> None:
    engagement = make_engagement(publisher, firm, stage=S.NEGOTIATING)
    with pytest.raises(DomainError, match="只有场景发布单位可以确认签约"):
        lifecycle.change_stage(
            firm,
            engagement,
            StageChange(S.SIGNED, contract_amount_wan=Decimal(5), contract_date=TODAY),
        )
    db.session.rollback()
    lifecycle.change_stage(
        publisher,
        engagement,
        StageChange(S.SIGNED, contract_amount_wan=Decimal(5), contract_date=TODAY),
    )
    with pytest.raises(DomainError, match="只有数字企业可以确认落地"):
        lifecycle.change_stage(
            publisher, engagement, StageChange(S.LANDED, golive_date=TODAY, result_summary="好")
        )


def test_an_administrator_or_outsider_cannot_move_an_engagement(
    admin: User, publisher: User, firm: User, other_firm: User
) -> None:
    engagement = make_engagement(publisher, firm)
    for user in (admin, other_firm):
        with pytest.raises(DomainError, match="可以进入洽谈"):
            lifecycle.change_stage(user, engagement, StageChange(S.NEGOTIATING))


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-5", "合同金额应在0.01至1,000,000万元之间"),
        ("0", "合同金额应在0.01至1,000,000万元之间"),
        ("2000000", "合同金额应在0.01至1,000,000万元之间"),
        ("", "请填写合同金额（万元）"),
        ("abc", "Not a valid decimal value."),
    ],
)
def test_negative_missing_or_absurd_contract_amounts_are_refused(
    client: FlaskClient, publisher: User, firm: User, amount: str, message: str
) -> None:
    engagement = make_engagement(publisher, firm, stage=S.NEGOTIATING)
    login(client, publisher)
    page = move(
        client, engagement, "signed", contract_amount_wan=amount, contract_date=TODAY.isoformat()
    ).get_data(as_text=True)
    assert message in page or "不是有效的小数" in page
    assert db.session.get(Engagement, engagement.id).stage is S.NEGOTIATING


def test_the_service_refuses_absurd_amounts_even_without_the_form(
    publisher: User, firm: User
) -> None:
    engagement = make_engagement(publisher, firm, stage=S.NEGOTIATING)
    for amount, message in [(Decimal("-1"), "必须大于0"), (Decimal("1000000.01"), "不能超过")]:
        with pytest.raises(DomainError, match=message):
            lifecycle.change_stage(
                publisher,
                engagement,
                StageChange(S.SIGNED, contract_amount_wan=amount, contract_date=TODAY),
            )


def test_dates_in_the_future_or_before_the_contract_are_refused(
    publisher: User, firm: User
) -> None:
    engagement = make_engagement(publisher, firm, stage=S.NEGOTIATING)
    with pytest.raises(DomainError, match="签约日期不能晚于今天"):
        lifecycle.change_stage(
            publisher,
            engagement,
            StageChange(
                S.SIGNED, contract_amount_wan=Decimal(1), contract_date=TODAY + timedelta(days=1)
            ),
        )
    lifecycle.change_stage(
        publisher,
        engagement,
        StageChange(S.SIGNED, contract_amount_wan=Decimal(1), contract_date=TODAY),
    )
    with pytest.raises(DomainError, match="上线日期不能早于签约日期"):
        lifecycle.change_stage(
            firm,
            engagement,
            StageChange(S.LANDED, golive_date=TODAY - timedelta(days=1), result_summary="成效"),
        )
    with pytest.raises(DomainError, match="请简述落地成效"):
        lifecycle.change_stage(firm, engagement, StageChange(S.LANDED, golive_date=TODAY))


def test_either_side_ends_an_engagement_with_a_reason_and_it_stays_ended(
    client: FlaskClient, publisher: User, firm: User
) -> None:
    engagement = make_engagement(publisher, firm)
    login(client, firm)
    assert "终止对接时请填写原因" in move(client, engagement, "terminated").get_data(as_text=True)
    move(client, engagement, "terminated", end_reason="预算未获批准")
    db.session.refresh(engagement)
    assert engagement.stage is S.TERMINATED
    assert engagement.end_reason == "预算未获批准"
    assert notices(publisher, "stage_changed")
    with pytest.raises(DomainError, match="不能变更为“洽谈中”"):
        lifecycle.change_stage(publisher, engagement, StageChange(S.NEGOTIATING))


def test_a_stale_page_cannot_overwrite_a_newer_change(
    client: FlaskClient, publisher: User, firm: User
) -> None:
    engagement = make_engagement(publisher, firm)
    seen = engagement.lock_version
    login(client, firm)
    move(client, engagement, "negotiating")
    login(client, publisher)
    page = client.post(
        f"/engagements/{engagement.id}/stage",
        data={"target": "terminated", "end_reason": "不再需要", "lock_version": seen},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "该对接已被对方或他人更新" in page
    assert db.session.get(Engagement, engagement.id).stage is S.NEGOTIATING


def test_a_concurrent_write_is_caught_by_the_version_column(publisher: User, firm: User) -> None:
    from sqlalchemy.orm.exc import StaleDataError

    engagement = make_engagement(publisher, firm)
    db.session.execute(
        sa.update(Engagement)
        .where(Engagement.id == engagement.id)
        .values(lock_version=Engagement.lock_version + 1)
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(StaleDataError):  # another request moved it since it was loaded
        lifecycle.change_stage(publisher, engagement, StageChange(S.NEGOTIATING))
    db.session.rollback()


# --- visibility and lists -------------------------------------------------------------


def test_the_timeline_is_for_both_parties_and_administrators_only(
    client: FlaskClient, admin: User, publisher: User, firm: User, other_firm: User
) -> None:
    engagement = make_engagement(publisher, firm)
    url = f"/engagements/{engagement.id}"
    for user, status in [(publisher, 200), (firm, 200), (admin, 200), (other_firm, 404)]:
        login(client, user)
        assert client.get(url).status_code == status, user
    login(client, None)
    assert client.get(url).headers["Location"].startswith("/auth/login")
    login(client, other_firm)
    response = client.post(f"{url}/stage", data={"target": "terminated", "end_reason": "x"})
    assert response.status_code == 404


def test_my_engagements_shows_both_sides_and_filters_by_stage(
    client: FlaskClient, publisher: User, firm: User, other_firm: User
) -> None:
    first = make_engagement(publisher, firm)
    make_engagement(publisher, other_firm, stage=S.NEGOTIATING)
    login(client, firm)
    page = client.get("/my/engagements").get_data(as_text=True)
    assert first.scenario.title in page
    assert other_firm.organization.name not in page
    login(client, publisher)
    page = client.get("/my/engagements").get_data(as_text=True)
    assert firm.organization.name in page
    assert other_firm.organization.name in page
    page = client.get("/my/engagements?stage=negotiating").get_data(as_text=True)
    assert other_firm.organization.name in page
    assert firm.organization.name not in page


def test_administrators_follow_every_engagement_by_stage(
    client: FlaskClient, admin: User, publisher: User, firm: User, other_firm: User
) -> None:
    make_engagement(publisher, firm)
    make_engagement(publisher, other_firm, stage=S.NEGOTIATING)
    login(client, admin)
    page = client.get("/review/engagements").get_data(as_text=True)
    assert "意向（1）" in page
    assert "洽谈中（1）" in page
    page = client.get("/review/engagements?stage=intent").get_data(as_text=True)
    assert firm.organization.name in page
    assert other_firm.organization.name not in page
    login(client, publisher)
    assert client.get("/review/engagements").status_code == 403


# --- applicants side by side and the shortlist ----------------------------------------


def test_the_publisher_sees_applicants_side_by_side_with_scores_and_shortlists(
    client: FlaskClient, publisher: User, firm: User, other_firm: User
) -> None:
    scenario = make_scenario(publisher.organization)
    fitting = make_capability(firm.organization)
    make_capability(
        other_firm.organization,
        title="财务共享报销平台",
        description="面向集团企业的费用报销、发票查验和财务共享中心建设，支持移动审批和电子档案。",
        keywords="报销、发票、财务共享",
        domains=["金融科技"],
        tags=["云计算"],
    )
    good = services.apply(firm, scenario, "我们的道路病害识别系统已规模应用。", fitting.id)
    weak = services.apply(other_firm, scenario, "我们可以提供信息化建设服务。")
    db.session.commit()
    rows = services.applicants(scenario)
    assert [r.engagement.id for r in rows] == [good.id, weak.id]
    assert rows[0].score is not None
    assert rows[0].score > (rows[1].score or 0)
    assert rows[0].capability.id == fitting.id
    assert rows[0].reasons.terms

    login(client, publisher)
    page = client.get(f"/my/scenarios/{scenario.id}/applicants").get_data(as_text=True)
    assert page.index(firm.organization.name) < page.index(other_firm.organization.name)
    assert "匹配度" in page
    assert "推荐理由" in page
    client.post(
        f"/engagements/{good.id}/shortlist",
        data={"shortlisted": "y", "lock_version": good.lock_version, "back": "applicants"},
    )
    assert db.session.get(Engagement, good.id).shortlisted is True


def test_only_the_publisher_sees_applicants_and_shortlists(
    client: FlaskClient, publisher: User, firm: User
) -> None:
    engagement = make_engagement(publisher, firm)
    other_publisher = make_user(make_org(Role.PUBLISHER))
    login(client, other_publisher)
    assert client.get(f"/my/scenarios/{engagement.scenario_id}/applicants").status_code == 404
    assert client.post(f"/engagements/{engagement.id}/shortlist").status_code == 404
    login(client, firm)
    assert client.post(f"/engagements/{engagement.id}/shortlist").status_code == 403
    with pytest.raises(DomainError, match="只有场景发布单位可以设置入围"):
        services.set_shortlisted(firm, engagement, True, None)


# --- recommendations accepted by both sides --------------------------------------------


def approved_pair(admin: User, publisher: User, firm: User) -> Recommendation:
    recommendation = Recommendation(
        scenario=make_scenario(publisher.organization),
        capability=make_capability(firm.organization),
        score=0.5,
        status=RecommendationStatus.APPROVED,
        reviewer_id=admin.id,
        reviewed_at=utcnow(),
    )
    db.session.add(recommendation)
    db.session.commit()
    return recommendation


def test_an_engagement_starts_when_both_sides_accept_a_recommendation(
    client: FlaskClient, admin: User, publisher: User, firm: User
) -> None:
    recommendation = approved_pair(admin, publisher, firm)
    login(client, firm)
    assert "发起对接" in client.get("/my/").get_data(as_text=True)
    response = client.post(f"/recommendations/{recommendation.id}/accept")
    assert response.headers["Location"] == "/my/"
    assert db.session.scalar(sa.select(Engagement)) is None
    assert "已接受，等待对方确认" in client.get("/my/").get_data(as_text=True)
    assert notices(publisher, "new_recommendation")
    login(client, publisher)
    assert "接受推荐" in client.get("/my/").get_data(as_text=True)
    response = client.post(f"/recommendations/{recommendation.id}/accept")
    engagement = db.session.scalar(sa.select(Engagement))
    assert response.headers["Location"] == f"/engagements/{engagement.id}"
    assert engagement.origin is EngagementOrigin.RECOMMENDATION
    assert engagement.recommendation_id == recommendation.id
    assert engagement.capability_id == recommendation.capability_id
    assert "查看对接（意向）" in client.get("/my/").get_data(as_text=True)
    page = client.get(f"/scenarios/{recommendation.scenario_id}").get_data(as_text=True)
    assert "查看对接（意向）" in page  # the same action on the listing page's 平台推荐


def test_a_recommendation_is_accepted_only_by_its_parties_and_once(
    client: FlaskClient, admin: User, publisher: User, firm: User, other_firm: User
) -> None:
    recommendation = approved_pair(admin, publisher, firm)
    login(client, other_firm)
    assert client.post(f"/recommendations/{recommendation.id}/accept").status_code == 404
    login(client, firm)
    client.post(f"/recommendations/{recommendation.id}/accept")
    with pytest.raises(DomainError, match="正在等待对方确认"):
        services.accept_recommendation(firm, recommendation)
    recommendation.status = RecommendationStatus.REJECTED
    with pytest.raises(DomainError, match="尚未通过审核"):
        services.accept_recommendation(publisher, recommendation)


# --- the application's optional attachment --------------------------------------------


def stored_keys() -> list[str]:
    """The keys of every file in the store."""
    return list(db.session.scalars(sa.select(StoredFile.key)))


def upload(client: FlaskClient, scenario_id: int, name: str, content: bytes):
    from io import BytesIO

    return client.post(
        f"/scenarios/{scenario_id}/apply",
        data={"proposal": "我们有成熟的解决方案和案例。", "attachment": (BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_an_attachment_is_stored_privately_and_served_to_the_parties_only(
    client: FlaskClient, publisher: User, firm: User, other_firm: User
) -> None:
    scenario = make_scenario(publisher.organization)
    login(client, firm)
    upload(client, scenario.id, "../../方案.pdf", files.pdf())
    engagement = db.session.scalar(sa.select(Engagement))
    assert engagement.attachment_name == "方案.pdf"
    assert storage.read(engagement.attachment_file) == files.pdf()
    assert stored_keys() == [engagement.attachment_file]
    login(client, publisher)
    response = client.get(f"/engagements/{engagement.id}/attachment")
    assert response.status_code == 200
    assert response.data == files.pdf()
    assert "attachment;" in response.headers["Content-Disposition"]
    response.close()  # the file is streamed: close it as a server would
    login(client, other_firm)
    assert client.get(f"/engagements/{engagement.id}/attachment").status_code == 404


def test_the_attachment_is_downloaded_with_the_shared_safe_headers(
    client: FlaskClient, publisher: User, firm: User, admin: User
) -> None:
    scenario = make_scenario(publisher.organization)
    login(client, firm)
    upload(client, scenario.id, "解决方案.pptx", files.ooxml("pptx"))
    engagement = db.session.scalar(sa.select(Engagement))
    # stored under a random key: nothing of the user's name becomes a key
    assert "解决方案" not in engagement.attachment_file
    for user in (publisher, firm, admin):
        login(client, user)
        response = client.get(f"/engagements/{engagement.id}/attachment")
        assert response.status_code == 200
        assert response.mimetype == (
            "application/vnd.openxmlformats-officedocument.presentationml.presentation"
        )
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="engagement-{engagement.id}-attachment.pptx"; '
            "filename*=UTF-8''%E8%A7%A3%E5%86%B3%E6%96%B9%E6%A1%88.pptx"
        )
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "private, no-store"
        response.close()


def test_an_engagement_without_attachment_or_file_answers_not_found(
    client: FlaskClient, publisher: User, firm: User
) -> None:
    engagement = make_engagement(publisher, firm)
    login(client, publisher)
    assert client.get(f"/engagements/{engagement.id}/attachment").status_code == 404
    # a stored name the attachment mechanism did not give is never turned into a path
    engagement.attachment_name, engagement.attachment_file = "x.pdf", "../../secret.pdf"
    db.session.commit()
    assert client.get(f"/engagements/{engagement.id}/attachment").status_code == 404
    # nor is a well-formed key whose bytes are not in the store
    engagement.attachment_file = "cd" * 16
    db.session.commit()
    assert client.get(f"/engagements/{engagement.id}/attachment").status_code == 404


def test_an_attachment_stored_before_the_merge_is_still_served(
    client: FlaskClient, publisher: User, firm: User, tmp_path: Path
) -> None:
    # application files used to be saved as <hex>.<ext> in an engagements/ folder of their own
    # upload directory, by default the same folder as ATTACHMENT_DIR/engagements; the
    # migration to the database moved them into the store under that name
    engagement = make_engagement(
        publisher, firm, attachment_name="旧方案.docx", attachment_file="ab" * 16 + ".docx"
    )
    (tmp_path / "engagements").mkdir()
    (tmp_path / "engagements" / engagement.attachment_file).write_bytes(files.ooxml("docx"))
    files_migration().move_into_database(db.session.connection(), tmp_path)
    db.session.commit()
    login(client, firm)
    response = client.get(f"/engagements/{engagement.id}/attachment")
    assert response.status_code == 200
    assert response.data == files.ooxml("docx")
    response.close()


def test_the_application_form_names_the_accepted_kinds_and_the_limit(
    client: FlaskClient, publisher: User, firm: User
) -> None:
    scenario = make_scenario(publisher.organization)
    login(client, firm)
    page = client.get(f"/scenarios/{scenario.id}/apply").get_data(as_text=True)
    assert "仅支持 PDF、DOCX 或 PPTX 格式，不超过 10 MB" in page
    assert 'accept=".pdf,.docx,.pptx"' in page


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.exe", files.exe(), "不支持的文件类型“.exe”，只能上传PDF、DOCX 或 PPTX 文件"),
        ("方案.pdf", files.exe(), "文件“方案.pdf”的内容不是有效的PDF 文档"),
        # a zip renamed .docx: the first bytes are a zip's, but it holds no Word document
        ("方案.docx", files.plain_zip(), "文件“方案.docx”的内容不是有效的Word 文档（docx）"),
        ("方案.docx", files.ooxml("xlsx"), "内容是Excel 表格（xlsx），与扩展名“.docx”不符"),
        # the listings take spreadsheets and images; a proposal does not
        ("报价.xlsx", files.ooxml("xlsx"), "不支持的文件类型“.xlsx”"),
        ("照片.png", files.png(), "不支持的文件类型“.png”"),
    ],
)
def test_wrong_attachments_are_refused_and_nothing_is_kept(
    client: FlaskClient,
    publisher: User,
    firm: User,
    name: str,
    content: bytes,
    message: str,
) -> None:
    scenario = make_scenario(publisher.organization)
    login(client, firm)
    page = upload(client, scenario.id, name, content).get_data(as_text=True)
    assert message in page
    assert db.session.scalar(sa.select(Engagement)) is None
    assert stored_keys() == []


def test_an_attachment_over_the_size_limit_is_refused_while_streaming(
    client: FlaskClient,
    publisher: User,
    firm: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(client.application.config, "ATTACHMENT_MAX_BYTES", 1024)
    scenario = make_scenario(publisher.organization)
    login(client, firm)
    page = upload(client, scenario.id, "方案.pdf", files.pdf() + b"0" * 2048)
    assert "文件超过大小限制，单个附件不能超过 1 KB" in page.get_data(as_text=True)
    assert db.session.scalar(sa.select(Engagement)) is None
    assert stored_keys() == []


def test_a_refused_application_discards_its_stored_attachment(
    client: FlaskClient, publisher: User, firm: User
) -> None:
    # the file passes its checks and is stored, then the use case refuses the application
    scenario = make_scenario(publisher.organization)
    firm.organization.status = OrgStatus.PENDING
    db.session.commit()
    login(client, firm)
    page = upload(client, scenario.id, "方案.pdf", files.pdf()).get_data(as_text=True)
    assert "单位信息审核通过后才能申请对接" in page
    assert db.session.scalar(sa.select(Engagement)) is None
    assert stored_keys() == []


def test_a_refused_application_leaves_no_file_behind(
    client: FlaskClient, publisher: User, firm: User
) -> None:
    # a scenario past its deadline is no longer public: the application is refused as not found
    late = make_scenario(publisher.organization, deadline=TODAY - timedelta(days=1))
    login(client, firm)
    assert upload(client, late.id, "a.pdf", b"%PDF-1.4").status_code == 404
    assert stored_keys() == []


def test_an_engaged_firm_still_opens_its_scenario_after_the_deadline(
    client: FlaskClient, publisher: User, firm: User, other_firm: User
) -> None:
    scenario = make_scenario(publisher.organization, title="截止后仍在洽谈的场景")
    engagement = services.apply(firm, scenario, "我们有成熟的解决方案和案例。")
    scenario.deadline = TODAY - timedelta(days=1)
    db.session.commit()
    login(client, firm)
    page = client.get(f"/scenarios/{scenario.id}")
    assert page.status_code == 200
    assert "已过期" in page.get_data(as_text=True)
    assert "揭榜/申请对接" not in page.get_data(as_text=True)
    assert client.get(f"/engagements/{engagement.id}").status_code == 200
    assert client.post(f"/scenarios/{scenario.id}/contact").status_code == 302  # talks go on
    # the scenario is no longer public: other firms and visitors do not find it
    login(client, other_firm)
    assert client.get(f"/scenarios/{scenario.id}").status_code == 404
    assert client.post(f"/scenarios/{scenario.id}/contact").status_code == 404
    login(client, None)
    assert client.get(f"/scenarios/{scenario.id}").status_code == 404


def test_amounts_read_the_same_in_the_timeline_as_on_the_page(
    client: FlaskClient, publisher: User, firm: User
) -> None:
    engagement = make_engagement(publisher, firm, stage=S.NEGOTIATING)
    login(client, publisher)
    page = move(
        client, engagement, "signed", contract_amount_wan="260.00", contract_date=TODAY.isoformat()
    ).get_data(as_text=True)
    assert "合同金额 260 万元" in page  # the timeline note
    assert '<dd data-testid="contract-amount">260 万元</dd>' in page
    assert "260.00" not in page
