"""Registration, sign-in and sign-out, including every refusal a visitor can meet."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app.auth import totp
from app.extensions import db
from app.models import Organization, OrgStatus, Role, User
from tests.conftest import login
from tests.factories import PASSWORD, make_org, make_user, valid_uscc

VALID_USCC = "91350100M000100Y43"  # the standard's published example


def form(**overrides: Any) -> dict[str, Any]:
    data = {
        "role": "firm",
        "org_name": "济南示例数字科技有限公司",
        "org_kind": "民营企业",
        "uscc": VALID_USCC,
        "district": "济南高新区",
        "is_local": "y",
        "intro": "工业软件研发",
        "name": "赵工",
        "contact_phone": "13905311234",
        "email": "zhao@example.com",
        "password": "Lake-Bridge-47",
        "confirm": "Lake-Bridge-47",
    }
    data.update(overrides)
    return data


def test_a_firm_registers_and_waits_for_approval(client: FlaskClient) -> None:
    response = client.post("/auth/register", data=form())
    assert response.status_code == 302
    assert response.headers["Location"] == "/my/"
    org = db.session.scalar(sa.select(Organization))
    assert (org.name, org.role, org.status, org.uscc) == (
        "济南示例数字科技有限公司",
        Role.FIRM,
        OrgStatus.PENDING,
        VALID_USCC,
    )
    user = db.session.scalar(sa.select(User))
    assert user.password_hash != "Lake-Bridge-47"
    assert user.check_password("Lake-Bridge-47")
    page = client.get("/my/").get_data(as_text=True)
    assert "待审核" in page


def test_a_publisher_may_register_without_a_code(client: FlaskClient) -> None:
    response = client.post(
        "/auth/register", data=form(role="publisher", uscc="", org_kind="政府部门")
    )
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Organization.role)) is Role.PUBLISHER


@pytest.mark.parametrize(
    ("uscc", "message"),
    [
        ("", "数字企业须填写统一社会信用代码"),
        ("91350100M000100Y4", "应为18位"),
        ("91350100M000100Y44", "校验位不正确"),
        ("91350100M0001O0Y43", "不允许的字符"),
        ("91ABCDEFM000100Y43", "行政区划码"),
    ],
)
def test_a_wrong_code_gets_a_clear_message_and_keeps_the_input(
    client: FlaskClient, uscc: str, message: str
) -> None:
    response = client.post("/auth/register", data=form(uscc=uscc))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert "济南示例数字科技有限公司" in page  # what the user typed is kept
    assert db.session.scalar(sa.select(sa.func.count(Organization.id))) == 0


def test_a_code_typed_in_lower_case_with_spaces_is_accepted(client: FlaskClient) -> None:
    client.post("/auth/register", data=form(uscc=" 91350100m000100y43 "))
    assert db.session.scalar(sa.select(Organization.uscc)) == VALID_USCC


def test_a_code_already_registered_is_refused(client: FlaskClient) -> None:
    make_org(Role.FIRM, uscc=VALID_USCC)
    page = client.post("/auth/register", data=form()).get_data(as_text=True)
    assert "该统一社会信用代码已被其他单位注册" in page


def test_an_email_already_registered_is_refused(client: FlaskClient) -> None:
    make_user(make_org(Role.FIRM), email="zhao@example.com")
    page = client.post("/auth/register", data=form(uscc=valid_uscc(777))).get_data(as_text=True)
    assert "该邮箱已注册" in page


def test_an_organisation_name_already_registered_is_refused(client: FlaskClient) -> None:
    make_org(Role.PUBLISHER, name="济南示例数字科技有限公司")
    page = client.post("/auth/register", data=form()).get_data(as_text=True)
    assert "该单位名称已注册" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("password", "12345678a", "密码长度应为12至128位"),  # accepted before the assessment
        ("password", "password1", "密码长度应为12至128位"),
        ("password", "onlyletterslong", "至少3类"),
        ("password", "Password2026!", "常见密码"),
        ("password", "Zhao-Bridge-47", "不能包含登录邮箱 @ 前面的部分"),
        ("password", "x91350100M000100Y43", "不能包含统一社会信用代码"),
        ("confirm", "Different-1234", "两次输入的密码不一致"),
        ("email", "not-an-email", "有效的邮箱地址"),
        ("contact_phone", "12345", "11位手机号"),
        ("org_name", "", "请填写此项"),
        ("org_name", "长" * 100_000, "不能超过120个字"),
        ("district", "火星区", "不是有效的选择"),
    ],
)
def test_bad_fields_are_named_in_chinese(
    client: FlaskClient, field: str, value: str, message: str
) -> None:
    data = form(**{field: value})
    if field == "password":
        data["confirm"] = value
    response = client.post("/auth/register", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


def test_a_posted_role_of_admin_or_a_status_changes_nothing(client: FlaskClient) -> None:
    response = client.post("/auth/register", data=form(role="admin"))
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0
    client.post("/auth/register", data=form(status="approved", organization_id="1", active="0"))
    org = db.session.scalar(sa.select(Organization))
    assert org.status is OrgStatus.PENDING


def test_html_in_names_is_shown_escaped(client: FlaskClient) -> None:
    client.post("/auth/register", data=form(name="<script>alert(1)</script>"))
    page = client.get("/my/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_sign_in_and_out(client: FlaskClient) -> None:
    user = make_user(make_org(Role.FIRM), email="firm@example.com")
    response = client.post("/auth/login", data={"email": "FIRM@example.com", "password": PASSWORD})
    assert response.headers["Location"] == "/my/"
    assert user.name in client.get("/my/").get_data(as_text=True)
    assert client.get("/auth/logout").status_code == 405  # a link cannot sign people out
    response = client.post("/auth/logout")
    assert response.headers["Location"] == "/"
    assert client.get("/my/").status_code == 302


def test_an_administrator_lands_in_the_review_centre(client: FlaskClient) -> None:
    user = make_user(None, Role.REVIEWER, email="admin@example.com")
    user.totp_secret_encrypted = totp.encrypt("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    user.totp_confirmed_at = user.created_at
    db.session.commit()
    response = client.post("/auth/login", data={"email": "admin@example.com", "password": PASSWORD})
    assert response.headers["Location"] == "/auth/second-factor"  # staff: a second factor
    code = pyotp.TOTP("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").now()
    response = client.post("/auth/second-factor", data={"code": code})
    assert response.headers["Location"] == "/review/"


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    client: FlaskClient,
) -> None:
    make_user(make_org(Role.FIRM), email="firm@example.com")
    for email, password in [("firm@example.com", "nope12345"), ("nobody@example.com", PASSWORD)]:
        page = client.post("/auth/login", data={"email": email, "password": password}).get_data(
            as_text=True
        )
        assert "邮箱或密码不正确" in page


def test_an_inactive_user_cannot_sign_in(client: FlaskClient) -> None:
    make_user(make_org(Role.FIRM), email="gone@example.com", active=False)
    page = client.post("/auth/login", data={"email": "gone@example.com", "password": PASSWORD})
    assert "邮箱或密码不正确" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("next_url", "landing"),
    [
        ("/my/capabilities/new", "/my/capabilities/new"),
        ("//evil.example.com/", "/my/"),
        ("https://evil.example.com/", "/my/"),
        ("/\\evil.example.com", "/my/"),
        ("javascript:alert(1)", "/my/"),
    ],
)
def test_next_redirects_stay_on_the_site(client: FlaskClient, next_url: str, landing: str) -> None:
    make_user(make_org(Role.FIRM), email="firm@example.com")
    response = client.post(
        "/auth/login", data={"email": "firm@example.com", "password": PASSWORD, "next": next_url}
    )
    assert response.headers["Location"] == landing


def test_the_login_page_carries_next_from_the_gate(client: FlaskClient) -> None:
    response = client.get("/my/capabilities/new")
    assert response.headers["Location"] == "/auth/login?next=/my/capabilities/new"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="/my/capabilities/new"' in page


def test_a_refused_registration_keeps_the_passwords_unless_they_were_refused(
    client: FlaskClient,
) -> None:
    page = client.post("/auth/register", data=form(uscc="123")).get_data(as_text=True)
    assert page.count('value="Lake-Bridge-47"') == 2  # only the credit code is to be retyped
    page = client.post("/auth/register", data=form(confirm="Lake-Bridge-48")).get_data(as_text=True)
    assert "两次输入的密码不一致" in page
    assert 'value="Lake-Bridge-48"' not in page


def test_a_staff_header_names_the_duty_once(client: FlaskClient, admin: User) -> None:
    admin.name = admin.role.label
    db.session.commit()
    login(client, admin)
    page = client.get("/review/").get_data(as_text=True)
    assert f"{admin.role.label} · {admin.role.label}" not in page
    assert f'<span class="who">{admin.role.label}</span>' in page
