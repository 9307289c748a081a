"""找回密码: a single-use link for 30 minutes, the same answer for every address."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app.auth import reset
from app.extensions import db
from app.models import AuditEvent, OutboundEmail, PasswordResetToken, Role, User
from app.models.base import utcnow
from tests.conftest import login
from tests.factories import PASSWORD, make_org, make_user

NEW = "Lake-Bridge-47"


@pytest.fixture
def user() -> User:
    return make_user(make_org(Role.FIRM), email="firm@example.com")


def ask(client: FlaskClient, email: str):  # type: ignore[no-untyped-def]
    return client.post("/auth/forgot", data={"email": email}, follow_redirects=True)


def mailed_link() -> str:
    mail = db.session.scalars(sa.select(OutboundEmail).order_by(OutboundEmail.id.desc())).first()
    return re.search(r"http://localhost:5000(/auth/reset/\S+)", mail.body).group(1)


def test_a_user_resets_the_password_through_the_mailed_link(
    client: FlaskClient, user: User
) -> None:
    page = ask(client, "FIRM@example.com").get_data(as_text=True)
    assert "如果该邮箱已注册，我们已向它发送重设密码的链接，30分钟内有效" in page
    mail = db.session.scalar(sa.select(OutboundEmail))
    assert mail.to_address == "firm@example.com"
    assert "30分钟内" in mail.body
    link = mailed_link()
    token = link.rsplit("/", 1)[1]
    # only the token's hash is stored
    stored = db.session.scalar(sa.select(PasswordResetToken))
    assert stored.token_hash == reset.digest(token)
    assert token not in stored.token_hash
    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": NEW, "confirm": NEW})
    assert response.location == "/auth/login"
    assert user.check_password(NEW)
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert {"password_reset_request", "password_reset"} <= set(actions)


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    client: FlaskClient, user: User
) -> None:
    known = ask(client, "firm@example.com")
    unknown = ask(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    assert known.get_data() == unknown.get_data()
    assert db.session.scalar(sa.select(sa.func.count(OutboundEmail.id))) == 1


def test_both_answers_take_at_least_the_same_floor(client: FlaskClient, user: User) -> None:
    for email in ("firm@example.com", "nobody@example.com"):
        started = time.monotonic()
        ask(client, email)
        assert time.monotonic() - started >= 0.3


def test_a_link_works_once(client: FlaskClient, user: User) -> None:
    ask(client, "firm@example.com")
    link = mailed_link()
    client.post(link, data={"password": NEW, "confirm": NEW})
    response = client.post(link, data={"password": "Other-Bridge-48", "confirm": "Other-Bridge-48"})
    assert response.status_code == 410
    assert "该链接已使用过" in response.get_data(as_text=True)
    assert user.check_password(NEW)


def test_a_link_expires_after_thirty_minutes(client: FlaskClient, user: User) -> None:
    ask(client, "firm@example.com")
    link = mailed_link()
    row = db.session.scalar(sa.select(PasswordResetToken))
    row.created_at = utcnow() - timedelta(minutes=31)
    row.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.post(link, data={"password": NEW, "confirm": NEW})
    assert response.status_code == 410
    assert "该链接已过期（有效期30分钟）" in response.get_data(as_text=True)
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize("token", ["forged", "a" * 43, "x" * 5000, "%00"])
def test_a_forged_link_gets_a_clear_page(client: FlaskClient, user: User, token: str) -> None:
    response = client.get(f"/auth/reset/{token}")
    assert response.status_code == 404
    assert "该链接无效" in response.get_data(as_text=True)


def test_the_new_password_meets_the_policy(client: FlaskClient, user: User) -> None:
    ask(client, "firm@example.com")
    link = mailed_link()
    page = client.post(link, data={"password": "password1", "confirm": "password1"})
    assert "密码长度应为12至128位" in page.get_data(as_text=True)
    page = client.post(link, data={"password": "Firm-Bridge-47", "confirm": "Firm-Bridge-47"})
    assert "不能包含登录邮箱" in page.get_data(as_text=True)
    assert user.check_password(PASSWORD)
    # the link is still good after a refused password
    assert client.post(link, data={"password": NEW, "confirm": NEW}).status_code == 302


def test_a_newer_reset_kills_older_links(client: FlaskClient, user: User) -> None:
    ask(client, "firm@example.com")
    first = mailed_link()
    ask(client, "firm@example.com")
    second = mailed_link()
    client.post(second, data={"password": NEW, "confirm": NEW})
    assert client.get(first).status_code == 410


def test_a_reset_lifts_a_lock(client: FlaskClient, user: User) -> None:
    user.locked_until = utcnow() + timedelta(minutes=30)
    db.session.commit()
    ask(client, "firm@example.com")
    client.post(mailed_link(), data={"password": NEW, "confirm": NEW})
    response = client.post("/auth/login", data={"email": "firm@example.com", "password": NEW})
    assert response.location == "/my/"


def test_one_mailbox_gets_at_most_three_links_an_hour(client: FlaskClient, user: User) -> None:
    pages = [ask(client, "firm@example.com").get_data() for _ in range(5)]
    assert len(set(pages)) == 1  # the answer never changes
    assert db.session.scalar(sa.select(sa.func.count(OutboundEmail.id))) == 3


def test_reset_requests_are_limited_per_address(fresh_app, user: User) -> None:  # type: ignore[no-untyped-def]
    client = fresh_app(WTF_CSRF_ENABLED=False, FORGOT_RATE_LIMIT="2 per hour").test_client()
    statuses = [client.post("/auth/forgot", data={}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_an_inactive_account_gets_no_link(client: FlaskClient) -> None:
    make_user(make_org(Role.FIRM), email="off@example.com", active=False)
    ask(client, "off@example.com")
    assert db.session.scalar(sa.select(sa.func.count(OutboundEmail.id))) == 0


def test_a_new_staff_account_receives_a_link_when_its_role_is_first_granted(
    client: FlaskClient,
) -> None:
    login(client, make_user(None, Role.SYSADMIN))
    client.post("/staff/accounts", data={"name": "新职员", "email": "new@example.gov.cn"})
    assert db.session.scalar(sa.select(sa.func.count(OutboundEmail.id))) == 0
    staff = db.session.scalar(sa.select(User).where(User.email == "new@example.gov.cn"))
    login(client, make_user(None, Role.SECADMIN))
    client.post(f"/staff/roles/{staff.id}", data={"role": "auditor"})
    mail = db.session.scalar(sa.select(OutboundEmail))
    assert (mail.to_address, mail.kind) == ("new@example.gov.cn", "staff_welcome")
    # a later change of duty sends nothing more
    client.post(f"/staff/roles/{staff.id}", data={"role": "reviewer"})
    assert db.session.scalar(sa.select(sa.func.count(OutboundEmail.id))) == 1
    login(client, None)
    assert client.post(mailed_link(), data={"password": NEW, "confirm": NEW}).status_code == 302
    assert staff.check_password(NEW)
