"""Organisation profiles: owners edit them; approved organisations have a public page."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app import taxonomy
from app.config import ROOT
from app.extensions import db
from app.models import AuditEvent, ListingStatus, Notification, Organization, OrgStatus, Role, User
from app.seed import load_demo
from tests.conftest import login
from tests.factories import make_capability, make_org, make_scenario, make_user, valid_uscc
from tests.integration.test_auth import form as registration


def profile_form(org: Organization, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "org_name": org.name,
        "uscc": org.uscc or "",
        "org_kind": org.kind,
        "district": org.district,
        "is_local": "y" if org.is_local else "",
        "industry_chain": org.industry_chain or "",
        "honours": org.honour_names,
        "intro": org.intro,
        "contact_name": org.contact_name,
        "contact_phone": org.contact_phone,
        "contact_email": org.contact_email,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v != ""}


def test_the_profile_page_shows_the_current_values(client: FlaskClient, firm: User) -> None:
    org = firm.organization
    org.honours = taxonomy.terms("honour", ["专精特新"])
    db.session.commit()
    login(client, firm)
    html = client.get("/my/profile").get_data(as_text=True)
    assert f'value="{org.name}"' in html
    assert f'value="{org.uscc}"' in html
    assert '<input checked id="honours-0" name="honours" type="checkbox" value="专精特新">' in html
    assert 'type="checkbox" value="上市">' in html
    assert "/my/profile" in client.get("/my/").get_data(as_text=True)


def test_editing_other_fields_keeps_the_organisation_approved(
    client: FlaskClient, firm: User, admin: User
) -> None:
    org = firm.organization
    login(client, firm)
    response = client.post(
        "/my/profile",
        data=profile_form(
            org,
            intro="专注工业互联网平台研发。",
            honours=["专精特新", "高新技术企业"],
            industry_chain="工业互联网",
            contact_email="Sales@Firm.example",
            is_local="",
            district="历城区",
        ),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/my/profile"
    db.session.refresh(org)
    assert org.status is OrgStatus.APPROVED
    assert org.intro == "专注工业互联网平台研发。"
    assert org.honour_names == ["专精特新", "高新技术企业"]
    assert (org.industry_chain, org.district, org.is_local) == ("工业互联网", "历城区", False)
    assert org.contact_email == "sales@firm.example"
    assert "单位信息已保存。" in client.get("/my/profile").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert actions == ["update_profile"]


@pytest.mark.parametrize("change", ["org_name", "uscc"])
def test_a_new_name_or_code_sends_an_approved_organisation_back_to_review(
    client: FlaskClient, firm: User, admin: User, change: str
) -> None:
    org = firm.organization
    new = {"org_name": "济南改名科技有限公司", "uscc": valid_uscc(987654)}[change]
    login(client, firm)
    client.post("/my/profile", data=profile_form(org, **{change: new}))
    db.session.refresh(org)
    assert org.status is OrgStatus.PENDING
    assert org.reviewed_at is None
    html = client.get("/my/profile").get_data(as_text=True)
    assert "已重新提交平台审核" in html
    [note] = db.session.scalars(sa.select(Notification)).all()
    assert note.user_id == admin.id
    assert note.kind == "organization_changed"
    assert note.link == "/review/organizations"
    login(client, admin)
    assert org.name in client.get("/review/organizations").get_data(as_text=True)
    # a pending organisation's public page is hidden again
    login(client, None)
    assert client.get(f"/orgs/{org.id}").status_code == 404


def test_a_rejected_organisation_resubmits_by_saving(client: FlaskClient) -> None:
    user = make_user(make_org(Role.FIRM, OrgStatus.REJECTED, review_note="信息不全"))
    login(client, user)
    client.post("/my/profile", data=profile_form(user.organization, intro="补充了简介"))
    db.session.refresh(user.organization)
    assert user.organization.status is OrgStatus.PENDING


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"uscc": ""}, "数字企业须填写统一社会信用代码。"),
        ({"uscc": "91370100MA3C2T8X1X"}, "校验"),
        ({"org_name": ""}, "请填写此项。"),
        ({"contact_phone": "12345"}, "电话"),
        ({"contact_email": "not-an-email"}, "请输入有效的邮箱地址。"),
        ({"honours": ["诺贝尔奖"]}, "包含无效的选项。"),
        ({"district": "火星"}, ""),
    ],
)
def test_invalid_profiles_are_refused_with_chinese_messages(
    client: FlaskClient, firm: User, overrides: dict[str, Any], message: str
) -> None:
    org = firm.organization
    before = org.name
    login(client, firm)
    response = client.post("/my/profile", data=profile_form(org, **overrides))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert 'class="error"' in response.get_data(as_text=True)
    db.session.refresh(org)
    assert org.name == before


def test_names_and_codes_of_other_organisations_are_refused(
    client: FlaskClient, firm: User, other_firm: User
) -> None:
    org, other = firm.organization, other_firm.organization
    login(client, firm)
    html = client.post("/my/profile", data=profile_form(org, org_name=other.name)).get_data(
        as_text=True
    )
    assert "该单位名称已被其他单位使用。" in html
    html = client.post("/my/profile", data=profile_form(org, uscc=other.uscc)).get_data(
        as_text=True
    )
    assert "该统一社会信用代码已被其他单位注册。" in html


def test_publishers_may_leave_the_code_empty(client: FlaskClient, publisher: User) -> None:
    login(client, publisher)
    response = client.post("/my/profile", data=profile_form(publisher.organization, intro="新"))
    assert response.status_code == 302


def test_the_public_page_shows_profile_honours_and_published_listings(
    client: FlaskClient, firm: User
) -> None:
    org = firm.organization
    org.honours = taxonomy.terms("honour", ["专精特新", "上市"])
    org.intro = "深耕道路巡检。"
    org.industry_chain = "人工智能"
    db.session.commit()
    published = make_capability(org, title="已发布的巡检系统")
    make_capability(org, ListingStatus.DRAFT, title="还在写的草稿")
    html = client.get(f"/orgs/{org.id}").get_data(as_text=True)
    assert org.name in html
    assert '<span class="badge badge-honour">专精特新</span>' in html
    assert '<span class="badge badge-honour">上市</span>' in html
    assert "深耕道路巡检。" in html
    assert "人工智能" in html
    assert f"/capabilities/{published.id}" in html
    assert "还在写的草稿" not in html
    assert "13905310000" not in html, "contacts masked on the public page too"


def test_unapproved_organisations_are_not_public(client: FlaskClient, admin: User) -> None:
    pending = make_user(make_org(Role.FIRM, OrgStatus.PENDING))
    org_id = pending.organization_id
    assert client.get(f"/orgs/{org_id}").status_code == 404
    login(client, make_user(make_org(Role.FIRM)))
    assert client.get(f"/orgs/{org_id}").status_code == 404
    login(client, pending)
    assert "仅本单位和管理员可见" in client.get(f"/orgs/{org_id}").get_data(as_text=True)
    login(client, admin)
    assert client.get(f"/orgs/{org_id}").status_code == 200


def test_listing_pages_link_to_the_organisation_and_show_honours(
    client: FlaskClient, publisher: User, firm: User
) -> None:
    firm.organization.honours = taxonomy.terms("honour", ["瞪羚"])
    db.session.commit()
    scenario = make_scenario(publisher.organization)
    capability = make_capability(firm.organization)
    html = client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
    assert f'href="/orgs/{publisher.organization_id}"' in html
    html = client.get(f"/capabilities/{capability.id}").get_data(as_text=True)
    assert f'href="/orgs/{firm.organization_id}"' in html
    assert '<span class="badge badge-honour">瞪羚</span>' in html
    cards = client.get("/capabilities").get_data(as_text=True)
    assert '<span class="badge badge-honour">瞪羚</span>' in cards


def test_registration_records_honours_and_a_contact_email(client: FlaskClient) -> None:
    data = registration(honours=["专精特新", "小巨人"], contact_email="Biz@Example.com")
    response = client.post("/auth/register", data=data)
    assert response.status_code == 302
    org = db.session.scalar(sa.select(Organization))
    assert org.honour_names == ["专精特新", "小巨人"]
    assert org.contact_email == "biz@example.com"


def test_registration_refuses_unknown_honours_and_bad_emails(client: FlaskClient) -> None:
    data = registration(honours=["自封冠军"], contact_email="nope")
    html = client.post("/auth/register", data=data).get_data(as_text=True)
    assert "包含无效的选项。" in html
    assert "请输入有效的邮箱地址。" in html
    assert db.session.scalar(sa.select(Organization)) is None


def test_the_demo_seed_loads_honours_and_contact_emails(tmp_path: Path) -> None:
    seed = tmp_path / "seed"
    (seed / "demo").mkdir(parents=True)
    shutil.copy(ROOT / "seed" / "taxonomy.json", seed / "taxonomy.json")
    for name in ("scenarios", "capabilities", "users"):
        (seed / "demo" / f"{name}.json").write_text("[]", "utf-8")
    for name in ("firms", "publishers"):
        records = json.loads((ROOT / "seed" / "demo" / f"{name}.json").read_text("utf-8"))
        (seed / "demo" / f"{name}.json").write_text(json.dumps(records[:3]), "utf-8")
    load_demo(seed, min_score=0.2, top=5)
    db.session.commit()
    inspur = db.session.scalar(
        sa.select(Organization).where(Organization.name == "浪潮软件股份有限公司")
    )
    assert inspur.honour_names == ["高新技术企业", "上市"]
    assert inspur.contact_email.endswith("@example.com")
    assert db.session.scalar(
        sa.select(Organization.contact_email).where(Organization.name == "济南市大数据局")
    ).endswith("@example.com")
