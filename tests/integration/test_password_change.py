"""修改密码, and the first sign-in of an installer-created administrator."""

from __future__ import annotations

import pyotp
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.auth import totp
from app.extensions import db
from app.models import AuditEvent, Role, User
from tests.conftest import login
from tests.factories import PASSWORD, make_org, make_user

NEW = "Lake-Bridge-47"


def change(
    client: FlaskClient, current: str = PASSWORD, new: str = NEW, confirm: str | None = None
):  # type: ignore[no-untyped-def]
    return client.post(
        "/auth/password",
        data={"current": current, "password": new, "confirm": new if confirm is None else confirm},
    )


def test_a_user_changes_the_password_with_the_current_one(client: FlaskClient, firm: User) -> None:
    login(client, firm)
    response = change(client)
    assert response.location == "/my/"
    assert firm.check_password(NEW)
    assert "password_change" in db.session.scalars(sa.select(AuditEvent.action)).all()


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        ("Not-My-Password-1", NEW, None, "当前密码不正确"),
        (PASSWORD, "password1", None, "密码长度应为12至128位"),
        (PASSWORD, "Password2026!", None, "常见密码"),
        (PASSWORD, NEW, "Lake-Bridge-48", "两次输入的密码不一致"),
        (PASSWORD, PASSWORD, None, "新密码不能与当前密码相同"),
    ],
)
def test_a_change_is_refused_with_the_reason(
    client: FlaskClient, firm: User, current: str, new: str, confirm: str | None, message: str
) -> None:
    login(client, firm)
    response = change(client, current, new, confirm)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert firm.check_password(PASSWORD)


def test_the_new_password_may_not_contain_the_email_name_or_the_credit_code(
    client: FlaskClient,
) -> None:
    org = make_org(Role.FIRM)
    user = make_user(org, email="wanggong@example.com")
    login(client, user)
    assert "不能包含登录邮箱" in change(client, new="Wanggong-2026x").get_data(as_text=True)
    page = change(client, new=f"x{org.uscc}!").get_data(as_text=True)
    assert "不能包含统一社会信用代码" in page


def test_the_page_is_for_signed_in_users(client: FlaskClient) -> None:
    response = client.get("/auth/password")
    assert response.location.startswith("/auth/login")


def test_the_header_links_to_the_change_page(client: FlaskClient, firm: User) -> None:
    login(client, firm)
    assert 'href="/auth/password"' in client.get("/my/").get_data(as_text=True)


def test_the_first_administrator_must_change_the_password_at_first_sign_in(
    app: Flask, client: FlaskClient
) -> None:
    result = app.test_cli_runner().invoke(
        args=["create-admin", "--email", "ops@example.com", "--name", "运维"]
        + ["--password", "Install-Time-2026"]
    )
    assert result.exit_code == 0, result.output
    assert "首次登录时须修改密码" in result.output
    user = db.session.scalar(sa.select(User).where(User.email == "ops@example.com"))
    assert user.must_change_password
    response = client.post(
        "/auth/login", data={"email": "ops@example.com", "password": "Install-Time-2026"}
    )
    assert response.location == "/auth/second-factor"  # staff: the second factor comes first
    client.get("/auth/second-factor")  # enrolment: a secret is made and shown
    secret = totp.secret_of(db.session.get(User, user.id))
    response = client.post("/auth/second-factor", data={"code": pyotp.TOTP(secret).now()})
    assert response.location == "/auth/password"
    # every other page leads to the change page, even one the account may open
    for path in ("/staff/accounts", "/", "/notifications/", "/my/searches/"):
        assert client.get(path).location == "/auth/password", path
    assert "这是您的初始密码" in client.get("/auth/password").get_data(as_text=True)
    static = client.get("/static/css/app.css")
    assert static.status_code == 200  # never redirected
    static.close()
    response = change(client, current="Install-Time-2026")
    assert response.location == "/staff/accounts"
    assert not user.must_change_password
    assert client.get("/staff/accounts").status_code == 200


def test_sign_out_stays_possible_before_the_change(client: FlaskClient) -> None:
    user = make_user(None, Role.SYSADMIN, must_change_password=True)
    login(client, user)
    assert client.post("/auth/logout").location == "/"
    assert client.get("/staff/accounts").location.startswith("/auth/login")


def test_seed_demo_refuses_to_run_in_production(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "ENV_NAME", "production")  # what APP_ENV=production sets
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "生产环境（APP_ENV=production）不能加载演示数据" in result.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0
