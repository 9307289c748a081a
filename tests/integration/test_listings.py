"""Owners create, edit and submit listings; what they may not do is refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app import clock
from app.extensions import db
from app.models import Capability, ListingStatus, OrgStatus, Role, Scenario, User
from tests.conftest import login
from tests.factories import make_capability, make_org, make_scenario, make_user


def scenario_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "城市桥梁安全运行监测",
        "domain": "城市治理",
        "district": "历下区",
        "description": "全市城市桥梁数量多，目前主要靠人工定期检查，难以及时发现结构异常，希望实时掌握桥梁状态。",
        "needs": "布设传感器监测应力、挠度和裂缝，超限自动预警。",
        "expected": "桥梁异常发现时间缩短到分钟级。",
        "tags": ["物联网", "数字孪生"],
        "budget_wan": "300",
        "opening_method": "揭榜挂帅",
        "deadline": (clock.today() + timedelta(days=90)).isoformat(),
        "contact_name": "李科长",
        "contact_phone": "0531-66608001",
    }
    data.update(overrides)
    return data


def capability_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "桥梁结构健康监测系统",
        "cap_type": "解决方案",
        "maturity": "规模应用",
        "domains": ["城市治理", "智慧交通"],
        "tags": ["物联网"],
        "description": "通过应变传感器、加速度计和物联网网关实时采集桥梁应力、挠度和裂缝数据，超限自动预警。",
        "keywords": "桥梁监测、挠度、预警",
        "qualifications": "ISO 9001",
        "case_client": "某市城市管理局",
        "case_year": "2024",
        "case_result": "覆盖32座桥梁",
    }
    data.update(overrides)
    # the form takes several cases: case_* name the first row's fields
    for name in ("client", "year", "result"):
        data[f"cases-0-{name}"] = data.pop(f"case_{name}")
    return data


def test_a_publisher_writes_a_draft_that_only_it_can_see(
    client: FlaskClient, publisher: User, firm: User
) -> None:
    login(client, publisher)
    response = client.post("/my/scenarios/new", data=scenario_form())
    scenario = db.session.scalar(sa.select(Scenario))
    assert response.headers["Location"] == f"/scenarios/{scenario.id}"
    assert scenario.status is ListingStatus.DRAFT
    assert scenario.organization_id == publisher.organization_id
    assert scenario.tag_names == ["物联网", "数字孪生"]
    assert str(scenario.budget_wan) == "300.00"
    assert "城市桥梁安全运行监测" in client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
    assert client.get("/scenarios").get_data(as_text=True).count("城市桥梁安全运行监测") == 0
    login(client, firm)
    assert client.get(f"/scenarios/{scenario.id}").status_code == 404
    login(client, None)
    assert client.get(f"/scenarios/{scenario.id}").status_code == 404


def test_a_firm_writes_a_capability_with_its_case(client: FlaskClient, firm: User) -> None:
    login(client, firm)
    client.post("/my/capabilities/new", data=capability_form())
    capability = db.session.scalar(sa.select(Capability))
    assert capability.domain_names == ["智慧交通", "城市治理"]  # taxonomy order
    assert [(c.client, c.year) for c in capability.cases] == [("某市城市管理局", 2024)]
    assert capability.keyword_list == ["桥梁监测", "挠度", "预警"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "请填写此项"),
        ({"description": "太短"}, "长度应为20至5000个字"),
        ({"description": "长" * 100_000}, "长度应为20至5000个字"),
        ({"domain": "火星领域"}, "不是有效的选择"),
        ({"tags": []}, "请至少选择1项"),
        ({"tags": ["人工智能", "不存在的标签"]}, "包含无效的选项"),
        ({"budget_wan": "-5"}, "预算应在0至100万万元之间"),
        ({"budget_wan": "很多"}, "不是有效的小数"),
        ({"deadline": "2001-01-01"}, "截止日期不能早于今天"),
        ({"deadline": "明天"}, "不是有效的日期"),
        ({"contact_phone": "abc"}, "11位手机号"),
    ],
)
def test_bad_scenario_input_is_named_and_the_rest_is_kept(
    client: FlaskClient, publisher: User, overrides: dict[str, Any], message: str
) -> None:
    login(client, publisher)
    response = client.post("/my/scenarios/new", data=scenario_form(**overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert "李科长" in page  # typed values survive the round trip
    assert db.session.scalar(sa.select(sa.func.count(Scenario.id))) == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"domains": []}, "请至少选择1项"),
        ({"domains": ["智慧政务", "智慧交通", "智慧医疗", "智慧教育"]}, "最多选择3项"),
        ({"case_year": ""}, "填写案例客户时请同时填写年份"),
        ({"case_client": "", "case_result": "很好"}, "请填写案例客户名称"),
        ({"case_year": "2999"}, "年份应在1990至2100之间"),
        ({"cap_type": "魔法"}, "不是有效的选择"),
    ],
)
def test_bad_capability_input_is_named(
    client: FlaskClient, firm: User, overrides: dict[str, Any], message: str
) -> None:
    login(client, firm)
    page = client.post("/my/capabilities/new", data=capability_form(**overrides)).get_data(
        as_text=True
    )
    assert message in page
    assert db.session.scalar(sa.select(sa.func.count(Capability.id))) == 0


def test_emoji_and_markup_are_kept_and_shown_escaped(client: FlaskClient, firm: User) -> None:
    login(client, firm)
    client.post(
        "/my/capabilities/new",
        data=capability_form(
            description="<b>粗体</b> 🚀 桥梁监测系统，实时预警桥梁结构异常，保障安全运行。"
        ),
    )
    capability = db.session.scalar(sa.select(Capability))
    page = client.get(f"/capabilities/{capability.id}").get_data(as_text=True)
    assert "&lt;b&gt;粗体&lt;/b&gt; 🚀" in page


def test_posted_status_or_owner_changes_nothing(
    client: FlaskClient, firm: User, other_firm: User
) -> None:
    login(client, firm)
    client.post(
        "/my/capabilities/new",
        data=capability_form(
            status="published", organization_id=str(other_firm.organization_id), id="999"
        ),
    )
    capability = db.session.scalar(sa.select(Capability))
    assert capability.status is ListingStatus.DRAFT
    assert capability.organization_id == firm.organization_id


def test_submitting_needs_an_approved_organisation(client: FlaskClient) -> None:
    user = make_user(make_org(Role.FIRM, status=OrgStatus.PENDING))
    capability = make_capability(user.organization, ListingStatus.DRAFT)
    login(client, user)
    response = client.post(f"/my/capabilities/{capability.id}/submit", follow_redirects=True)
    assert "单位信息尚未通过平台审核" in response.get_data(as_text=True)
    assert db.session.get(Capability, capability.id).status is ListingStatus.DRAFT


def test_submit_twice_is_refused_with_a_message(client: FlaskClient, firm: User) -> None:
    capability = make_capability(firm.organization, ListingStatus.DRAFT)
    login(client, firm)
    first = client.post(f"/my/capabilities/{capability.id}/submit")
    assert first.headers["Location"] == f"/capabilities/{capability.id}"
    second = client.post(f"/my/capabilities/{capability.id}/submit", follow_redirects=True)
    assert "不能提交审核" in second.get_data(as_text=True)
    assert db.session.get(Capability, capability.id).status is ListingStatus.PENDING


def test_an_owner_edits_a_rejected_listing_and_resubmits(
    client: FlaskClient, publisher: User
) -> None:
    scenario = make_scenario(
        publisher.organization, ListingStatus.REJECTED, review_note="预算不明确"
    )
    login(client, publisher)
    page = client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
    assert "驳回原因：预算不明确" in page
    form_page = client.get(f"/my/scenarios/{scenario.id}/edit").get_data(as_text=True)
    assert scenario.title in form_page  # the form is filled with what was saved
    client.post(
        f"/my/scenarios/{scenario.id}/edit", data=scenario_form(title="城市桥梁监测（修订）")
    )
    client.post(f"/my/scenarios/{scenario.id}/submit")
    scenario = db.session.get(Scenario, scenario.id)
    assert (scenario.title, scenario.status, scenario.review_note) == (
        "城市桥梁监测（修订）",
        ListingStatus.PENDING,
        "",
    )


def test_editing_a_published_listing_leaves_the_public_content_as_reviewed(
    client: FlaskClient, publisher: User
) -> None:
    # (was: a published listing cannot be edited) the edit now waits for review as a
    # new version; what the public sees does not change until it is approved
    scenario = make_scenario(publisher.organization)
    login(client, publisher)
    response = client.post(
        f"/my/scenarios/{scenario.id}/edit", data=scenario_form(title="改了的场景名称")
    )
    assert response.headers["Location"] == f"/scenarios/{scenario.id}"
    assert db.session.get(Scenario, scenario.id).title != "改了的场景名称"
    assert db.session.get(Scenario, scenario.id).status is ListingStatus.PUBLISHED


def test_another_organisations_listing_answers_404(
    client: FlaskClient, firm: User, other_firm: User
) -> None:
    capability = make_capability(firm.organization, ListingStatus.DRAFT)
    login(client, other_firm)
    assert client.get(f"/my/capabilities/{capability.id}/edit").status_code == 404
    assert (
        client.post(f"/my/capabilities/{capability.id}/edit", data=capability_form()).status_code
        == 404
    )
    assert client.post(f"/my/capabilities/{capability.id}/submit").status_code == 404
    assert client.get("/my/capabilities/999999/edit").status_code == 404


def test_the_workspace_lists_only_the_organisations_own_listings(
    client: FlaskClient, firm: User, other_firm: User
) -> None:
    make_capability(firm.organization, ListingStatus.DRAFT, title="本单位的能力")
    make_capability(other_firm.organization, ListingStatus.DRAFT, title="别家的能力草稿")
    login(client, firm)
    page = client.get("/my/").get_data(as_text=True)
    assert "本单位的能力" in page
    assert "别家的能力草稿" not in page
