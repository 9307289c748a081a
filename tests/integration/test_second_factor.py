"""The staff's second factor (TOTP): enrolment by QR code, codes, replay, reset by a 安全管理员."""

from __future__ import annotations

import time
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app.auth import totp
from app.extensions import db
from app.models import AuditEvent, Role, User
from app.models.base import utcnow
from tests.conftest import login
from tests.factories import PASSWORD, make_org, make_user
from tests.signin import post_login

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def enrolled(role: Role = Role.REVIEWER, **fields) -> User:  # type: ignore[no-untyped-def]
    user = make_user(None, role, email=fields.pop("email", "admin@example.com"), **fields)
    user.totp_secret_encrypted = totp.encrypt(SECRET)
    user.totp_confirmed_at = utcnow()
    db.session.commit()
    return user


def code(secret: str = SECRET, offset: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + offset * 30)


def password_step(client: FlaskClient, email: str = "admin@example.com"):  # type: ignore[no-untyped-def]
    return post_login(client, email, PASSWORD)


def test_a_staff_member_needs_the_code_after_the_password(client: FlaskClient) -> None:
    enrolled()
    response = password_step(client)
    assert response.location == "/auth/second-factor"
    assert client.get("/review/").location.startswith("/auth/login")  # no session yet
    page = client.get("/auth/second-factor").get_data(as_text=True)
    assert "请输入验证器应用中当前显示的6位数字" in page
    assert 'data-testid="totp-enrol"' not in page
    response = client.post("/auth/second-factor", data={"code": code()})
    assert response.location == "/review/"
    assert client.get("/review/").status_code == 200
    assert "sign_in" in db.session.scalars(sa.select(AuditEvent.action)).all()


def test_an_organisation_user_has_no_second_factor(client: FlaskClient) -> None:
    make_user(make_org(Role.FIRM), email="firm@example.com")
    assert post_login(client, "firm@example.com", PASSWORD).location == "/my/"


@pytest.mark.parametrize("offset", [-1, 1])
def test_a_code_one_step_early_or_late_is_accepted(client: FlaskClient, offset: int) -> None:
    enrolled()
    password_step(client)
    assert client.post("/auth/second-factor", data={"code": code(offset=offset)}).location == (
        "/review/"
    )


@pytest.mark.parametrize("bad", ["000000", "12345", "abcdef", "", code(offset=-3)])
def test_a_wrong_code_is_refused(client: FlaskClient, bad: str) -> None:
    enrolled()
    password_step(client)
    response = client.post("/auth/second-factor", data={"code": bad})
    assert response.status_code == 200
    assert client.get("/review/").location.startswith("/auth/login")


def test_a_used_code_cannot_be_used_again(client: FlaskClient) -> None:
    user = enrolled()
    password_step(client)
    used = code()
    client.post("/auth/second-factor", data={"code": used})
    client.post("/auth/logout")
    password_step(client)
    page = client.post("/auth/second-factor", data={"code": used}).get_data(as_text=True)
    assert "动态验证码不正确" in page
    assert user.totp_last_step is not None


def test_wrong_codes_lock_the_account_like_wrong_passwords(client: FlaskClient) -> None:
    user = enrolled()
    password_step(client)
    for _ in range(4):
        client.post("/auth/second-factor", data={"code": "000000"})
    response = client.post("/auth/second-factor", data={"code": "000000"})
    assert response.location == "/auth/login"
    assert user.lock_minutes_left == 30
    # the password alone does not get back to the code page
    assert "已被临时锁定" in password_step(client).get_data(as_text=True)


def test_the_code_page_needs_the_password_first_and_times_out(client: FlaskClient) -> None:
    enrolled()
    assert client.get("/auth/second-factor").location == "/auth/login"
    assert client.post("/auth/second-factor", data={"code": code()}).location == "/auth/login"
    password_step(client)
    with client.session_transaction() as session:
        pending = dict(session["pending_sign_in"])
        session["pending_sign_in"] = {**pending, "at": pending["at"] - 301}
    assert client.post("/auth/second-factor", data={"code": code()}).location == "/auth/login"
    assert client.get("/review/").location.startswith("/auth/login")


def test_a_staff_member_without_a_factor_enrols_before_the_session_begins(
    client: FlaskClient,
) -> None:
    user = make_user(None, Role.SYSADMIN, email="sys@example.com")
    password_step(client, "sys@example.com")
    page = client.get("/auth/second-factor").get_data(as_text=True)
    assert 'data-testid="totp-enrol"' in page
    assert 'src="data:image/svg+xml;base64,' in page
    secret = totp.secret_of(user)
    assert secret is not None
    assert secret in page  # typed by hand when the QR code cannot be scanned
    # stored encrypted, never in clear
    assert secret not in user.totp_secret_encrypted
    assert user.totp_confirmed_at is None
    # reloading keeps the same secret until it is confirmed
    assert secret in client.get("/auth/second-factor").get_data(as_text=True)
    assert client.get("/staff/accounts").location.startswith("/auth/login")
    response = client.post("/auth/second-factor", data={"code": code(secret)})
    assert response.location == "/staff/accounts"
    assert user.totp_confirmed_at is not None
    assert "totp_enrol" in db.session.scalars(sa.select(AuditEvent.action)).all()


def test_a_secret_stored_under_another_key_is_unreadable(client: FlaskClient) -> None:
    user = enrolled()
    assert totp.secret_of(user) == SECRET
    user.totp_secret_encrypted = user.totp_secret_encrypted[:-4] + "AAAA"
    assert totp.secret_of(user) is None


def test_a_security_administrator_resets_a_lost_factor(client: FlaskClient) -> None:
    user = enrolled()
    secadmin = enrolled(Role.SECADMIN, email="sec@example.com")
    login(client, secadmin)
    assert "已绑定" in client.get("/staff/roles").get_data(as_text=True)
    response = client.post(f"/staff/roles/{user.id}/second-factor/reset")
    assert response.location == "/staff/roles"
    assert user.totp_secret_encrypted is None
    assert not user.has_second_factor
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "totp_reset"))
    assert (event.actor_id, event.subject_id) == (secadmin.id, user.id)
    login(client, None)
    password_step(client)
    assert 'data-testid="totp-enrol"' in client.get("/auth/second-factor").get_data(as_text=True)


def test_nobody_resets_their_own_factor(client: FlaskClient) -> None:
    secadmin = enrolled(Role.SECADMIN, email="sec@example.com")
    login(client, secadmin)
    client.post(f"/staff/roles/{secadmin.id}/second-factor/reset")
    assert secadmin.has_second_factor
    assert "不能重置自己的双因素认证" in client.get("/staff/roles").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.SYSADMIN, Role.REVIEWER, Role.AUDITOR])
def test_only_a_security_administrator_resets_factors(client: FlaskClient, role: Role) -> None:
    user = enrolled()
    login(client, make_user(None, role))
    assert client.post(f"/staff/roles/{user.id}/second-factor/reset").status_code == 403
    assert user.has_second_factor


def test_a_locked_staff_account_gets_no_code_page(client: FlaskClient) -> None:
    user = enrolled()
    user.locked_until = utcnow() + timedelta(minutes=10)
    db.session.commit()
    assert "已被临时锁定" in password_step(client).get_data(as_text=True)
