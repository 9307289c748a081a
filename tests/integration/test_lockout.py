"""Account lockout (等保 2.0): five failures lock an account, whatever password comes next."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.auth import passwords
from app.extensions import db
from app.models import AuditEvent, Role, User
from app.models.base import utcnow
from tests.conftest import login
from tests.factories import PASSWORD, make_org, make_user
from tests.signin import post_login

LOCKED = "登录失败次数过多，该账号已被临时锁定30分钟"
WRONG = "邮箱或密码不正确"


def sign_in(client: FlaskClient, email: str, password: str, address: str = "127.0.0.1") -> str:
    response = post_login(client, email, password, address)
    return response.get_data(as_text=True) if response.status_code == 200 else response.location


def fail(client: FlaskClient, email: str, times: int, address: str = "127.0.0.1") -> list[str]:
    return [sign_in(client, email, "Wrong-Guess-1234", address) for _ in range(times)]


def actions() -> list[str]:
    """The recorded actions, a failure's with its outcome (sign_in:failure)."""
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq)).all()
    return [e.action if e.outcome == "success" else f"{e.action}:{e.outcome}" for e in events]


@pytest.fixture
def user() -> User:
    return make_user(make_org(Role.FIRM), email="firm@example.com")


def test_five_failures_lock_the_account_and_the_right_password_is_refused(
    client: FlaskClient, user: User
) -> None:
    pages = fail(client, "firm@example.com", 5)
    assert all(WRONG in page for page in pages[:4])
    assert LOCKED in pages[4]
    # the assessors' attack: many wrong passwords, then the right one
    page = sign_in(client, "firm@example.com", PASSWORD)
    assert LOCKED in page
    assert client.get("/my/").location.startswith("/auth/login")  # not signed in
    assert user.locked_until is not None
    assert 29 <= user.lock_minutes_left <= 30
    assert actions().count("sign_in:failure") == 5
    assert actions().count("lock") == 1


def test_thirty_wrong_passwords_then_the_right_one_does_not_sign_in(
    client: FlaskClient, user: User
) -> None:
    fail(client, "firm@example.com", 30)
    assert LOCKED in sign_in(client, "firm@example.com", PASSWORD)
    assert client.get("/my/").status_code == 302  # still signed out


def test_an_unknown_email_is_locked_with_the_same_answers(client: FlaskClient, user: User) -> None:
    # from two addresses: the address's own count would ask the 验证码 of the second sooner
    known = fail(client, "firm@example.com", 6, "198.51.100.1")
    unknown = fail(client, "nobody@example.com", 6, "198.51.100.2")
    strip = lambda page: page.replace("firm@example.com", "").replace("nobody@example.com", "")  # noqa: E731
    assert [strip(p) for p in known] == [strip(p) for p in unknown]
    failures = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "sign_in", AuditEvent.outcome == "failure")
    ).all()
    unknown_notes = [e.note for e in failures if e.subject_id is None]
    assert unknown_notes
    assert set(unknown_notes) == {"n***@example.com"}
    assert all("Wrong-Guess" not in e.note for e in failures)


def test_failures_older_than_the_window_do_not_count(client: FlaskClient, user: User) -> None:
    user.failed_logins = 4
    user.failed_window_start = utcnow() - timedelta(minutes=16)
    db.session.commit()
    assert WRONG in sign_in(client, "firm@example.com", "Wrong-Guess-1234")
    assert user.locked_until is None
    assert user.failed_logins == 1


def test_a_lock_runs_out_after_thirty_minutes(client: FlaskClient, user: User) -> None:
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert sign_in(client, "firm@example.com", PASSWORD) == "/my/"


def test_a_success_starts_the_count_afresh(client: FlaskClient, user: User) -> None:
    fail(client, "firm@example.com", 4)
    assert sign_in(client, "firm@example.com", PASSWORD) == "/my/"
    client.post("/auth/logout")
    pages = fail(client, "firm@example.com", 4)
    assert all(WRONG in page for page in pages)
    assert user.locked_until is None


def test_an_inactive_account_answers_like_a_wrong_password(client: FlaskClient) -> None:
    make_user(make_org(Role.FIRM), email="off@example.com", active=False)
    assert WRONG in sign_in(client, "off@example.com", PASSWORD)


def test_a_security_administrator_unlocks_early_and_it_is_audited(
    client: FlaskClient, user: User
) -> None:
    fail(client, "firm@example.com", 5)
    secadmin = make_user(None, Role.SECADMIN)
    login(client, secadmin)
    page = client.get("/staff/roles?kind=organizations").get_data(as_text=True)
    assert "已锁定（剩余30分钟）" in page
    response = client.post(f"/staff/roles/{user.id}/unlock")
    assert response.location == "/staff/roles"
    assert user.locked_until is None
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "unlock"))
    assert (event.actor_id, event.subject_id) == (secadmin.id, user.id)
    login(client, None)
    assert sign_in(client, "firm@example.com", PASSWORD) == "/my/"


def test_unlocking_an_account_that_is_not_locked_says_so(client: FlaskClient, user: User) -> None:
    login(client, make_user(None, Role.SECADMIN))
    client.post(f"/staff/roles/{user.id}/unlock")
    assert "该账号当前没有被锁定" in client.get("/staff/roles").get_data(as_text=True)
    assert "unlock" not in actions()


@pytest.mark.parametrize("role", [Role.SYSADMIN, Role.REVIEWER, Role.AUDITOR, Role.FIRM])
def test_only_a_security_administrator_may_unlock(
    client: FlaskClient, user: User, role: Role
) -> None:
    user.locked_until = utcnow() + timedelta(minutes=30)
    db.session.commit()
    login(client, make_user(make_org(Role.FIRM) if role is Role.FIRM else None, role))
    assert client.post(f"/staff/roles/{user.id}/unlock").status_code == 403
    assert user.locked_until is not None


def test_known_and_unknown_emails_do_the_same_password_hash_work(
    client: FlaskClient, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []
    real = passwords.check_password_hash

    def spy(password_hash: str, password: str) -> bool:
        checked.append(password_hash.split("$", 1)[0])
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "check_password_hash", spy)
    sign_in(client, "firm@example.com", "Wrong-Guess-1234")
    sign_in(client, "nobody@example.com", "Wrong-Guess-1234")
    fail(client, "nobody@example.com", 5)
    sign_in(client, "nobody@example.com", "Wrong-Guess-1234")  # locked: still one check
    assert len(checked) == 8
    # the dummy is made like real passwords (werkzeug's default method and parameters)
    assert checked[1] == passwords.generate_password_hash("x").split("$", 1)[0]


def test_lock_thresholds_come_from_the_config(fresh_app, user: User) -> None:  # type: ignore[no-untyped-def]
    application: Flask = fresh_app(
        WTF_CSRF_ENABLED=False, LOGIN_LOCK_FAILURES=2, LOGIN_LOCK_MINUTES=5
    )
    client = application.test_client()
    with application.app_context():
        for _ in range(2):
            post_login(client, "firm@example.com", "x")
    db.session.expire_all()
    assert 4 <= db.session.get(User, user.id).lock_minutes_left <= 5
