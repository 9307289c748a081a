"""Server-side sessions: sign-out, the server and the clock end them, on every machine."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import AuditEvent, Role, User, UserSession
from app.models.base import utcnow
from app.security import sessions
from tests.conftest import login
from tests.factories import PASSWORD, make_org, make_user

COOKIE = "session"


def sign_in(client: FlaskClient, user: User) -> None:
    """Through the real form, as a browser does."""
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


def copy_cookie(source: FlaskClient, target: FlaskClient) -> None:
    """What a thief with the cookie (or a second machine behind the balancer) holds."""
    target.set_cookie(COOKIE, source.get_cookie(COOKIE).value)


def records(user: User) -> list[UserSession]:
    return list(
        db.session.scalars(
            sa.select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
        )
    )


def age(user: User, *, idle: timedelta = timedelta(0), since_sign_in: timedelta | None = None):
    """Move the user's sessions into the past (the clock as the server will read it)."""
    now = utcnow()
    values = {"last_seen_at": now - idle}
    if since_sign_in is not None:
        values["expires_at"] = now - since_sign_in + sessions.lifetime(user)
        values["created_at"] = now - since_sign_in
    db.session.execute(sa.update(UserSession).where(UserSession.user_id == user.id).values(values))
    db.session.commit()


def signed_in(client: FlaskClient) -> bool:
    response = client.get("/notifications/")
    return response.status_code == 200


# --- sign-in and sign-out -----------------------------------------------------------------


def test_the_database_keeps_only_the_hash_of_the_token(client: FlaskClient, firm: User) -> None:
    sign_in(client, firm)
    [record] = records(firm)
    with client.session_transaction() as session:
        token = session[sessions.TOKEN_KEY]
    assert record.token_hash == sessions.token_hash(token) != token
    assert len(token) >= 40
    assert (record.client_address, record.ended_at) == ("127.0.0.1", None)
    assert record.expires_at - record.created_at == timedelta(hours=12)


def test_sign_in_gives_a_new_identifier_and_forgets_what_came_before(
    client: FlaskClient, firm: User
) -> None:
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
        session[sessions.TOKEN_KEY] = "a token an attacker chose"
    before = client.get_cookie(COOKIE).value
    sign_in(client, firm)
    assert client.get_cookie(COOKIE).value != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session[sessions.TOKEN_KEY] != "a token an attacker chose"
    first = client.get_cookie(COOKIE).value
    sign_in(client, firm)  # signing in again: another session, another token
    assert client.get_cookie(COOKIE).value != first
    assert [r.end_reason for r in records(firm)] == ["replaced", ""]


def test_a_cookie_copied_before_logout_opens_nothing_after_it(
    app: Flask, client: FlaskClient, firm: User
) -> None:
    sign_in(client, firm)
    thief = app.test_client()
    copy_cookie(client, thief)
    assert thief.get("/my/").status_code == 200
    client.post("/auth/logout")
    response = thief.get("/my/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
    [record] = records(firm)
    assert record.end_reason == "logout"
    assert db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "logout", AuditEvent.actor_id == firm.id)
    )


def test_an_unknown_token_or_another_users_record_is_anonymous(
    client: FlaskClient, firm: User, other_firm: User
) -> None:
    login(client, firm)
    with client.session_transaction() as session:
        session[sessions.TOKEN_KEY] = "forged"
    assert not signed_in(client)
    token = sessions.create_record(other_firm)
    db.session.commit()
    with client.session_transaction() as session:  # another user's live token, own user id
        session[sessions.TOKEN_KEY] = token
        session["_user_id"] = str(firm.id)
    assert not signed_in(client)


# --- the server ends sessions --------------------------------------------------------------


def test_ending_all_on_one_machine_refuses_the_session_on_another(
    app: Flask, fresh_app: Callable[..., Flask], client: FlaskClient, firm: User
) -> None:
    firm_id = firm.id
    sign_in(client, firm)
    other_machine = fresh_app()
    there = other_machine.test_client()
    copy_cookie(client, there)
    assert signed_in(there)
    with other_machine.app_context():
        sessions.end_all(db.session.get(User, firm_id), "locked")
        db.session.commit()
        db.session.remove()
    assert not signed_in(client)
    assert not signed_in(there)
    assert [r.end_reason for r in records(firm)] == ["locked"]


def test_ending_all_but_the_current_one_keeps_this_browser(app: Flask, firm: User) -> None:
    kept = sessions.create_record(firm)
    sessions.create_record(firm)
    db.session.commit()
    with app.test_request_context():
        from flask import session

        session[sessions.TOKEN_KEY] = kept
        sessions.end_all(firm, "password_change", keep_current=True)
    db.session.commit()
    assert [r.end_reason for r in records(firm)] == ["", "password_change"]


def test_deactivation_signs_the_user_out_everywhere(app: Flask, firm: User) -> None:
    browser = login(app.test_client(), firm)
    assert signed_in(browser)
    admin = login(app.test_client(), make_user(None, Role.SYSADMIN))
    admin.post(f"/staff/accounts/{firm.id}/active", data={"active": "0"})
    assert not signed_in(browser)
    assert records(firm)[0].end_reason == "deactivated"


def test_a_role_change_signs_the_user_out_everywhere(app: Flask) -> None:
    reviewer = make_user(None, Role.REVIEWER, role_granted_at=utcnow())
    browser = login(app.test_client(), reviewer)
    assert browser.get("/review/").status_code == 200
    security = login(app.test_client(), make_user(None, Role.SECADMIN))
    response = security.post(f"/staff/roles/{reviewer.id}", data={"role": "auditor"})
    assert response.status_code == 302
    response = browser.get("/review/")
    assert response.headers["Location"].startswith("/auth/login")
    assert records(reviewer)[0].end_reason == "role_change"


def test_a_user_switched_off_directly_in_the_database_is_refused(
    client: FlaskClient, firm: User
) -> None:
    login(client, firm)
    firm.active = False
    db.session.commit()
    assert not signed_in(client)


# --- timeouts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "still_in", "timed_out"),
    [(Role.FIRM, 29, 31), (Role.SECADMIN, 14, 16)],
)
def test_an_idle_session_times_out(
    client: FlaskClient, role: Role, still_in: int, timed_out: int
) -> None:
    user = make_user(None if role.is_staff else make_org(role), role, role_granted_at=utcnow())
    login(client, user)
    age(user, idle=timedelta(minutes=still_in))
    assert signed_in(client)  # and the use is written down: idle again from now
    age(user, idle=timedelta(minutes=timed_out))
    response = client.get("/notifications/")
    assert response.headers["Location"].startswith("/auth/login")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "登录已超时，请重新登录。" in page
    assert records(user)[0].end_reason == "idle"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "session_timeout"))
    assert (event.actor_id, event.subject_id) == (user.id, user.id)


def test_use_keeps_a_session_alive_and_is_written_at_most_once_a_minute(
    client: FlaskClient, firm: User
) -> None:
    login(client, firm)
    age(firm, idle=timedelta(seconds=30))
    before = records(firm)[0].last_seen_at
    assert signed_in(client)
    assert records(firm)[0].last_seen_at == before  # no write for a request within the minute
    age(firm, idle=timedelta(minutes=25))
    assert signed_in(client)
    seen = records(firm)[0].last_seen_at.replace(tzinfo=None)
    assert utcnow().replace(tzinfo=None) - seen < timedelta(seconds=10)  # idle counts from now


@pytest.mark.parametrize(("role", "hours"), [(Role.FIRM, 12), (Role.REVIEWER, 8)])
def test_a_session_ends_at_its_absolute_lifetime_however_busy(
    client: FlaskClient, role: Role, hours: int
) -> None:
    user = make_user(None if role.is_staff else make_org(role), role, role_granted_at=utcnow())
    login(client, user)
    [record] = records(user)
    assert record.expires_at - record.created_at == timedelta(hours=hours)
    age(user, since_sign_in=timedelta(hours=hours) - timedelta(minutes=1))
    assert signed_in(client)
    age(user, since_sign_in=timedelta(hours=hours, seconds=1))
    response = client.get("/notifications/")
    assert response.headers["Location"].startswith("/auth/login")
    assert "登录已超时" in client.get("/auth/login").get_data(as_text=True)
    assert records(user)[0].end_reason == "expired"


def test_the_timeouts_come_from_the_settings(
    app: Flask, client: FlaskClient, firm: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 5)
    login(client, firm)
    age(firm, idle=timedelta(minutes=6))
    assert not signed_in(client)


def test_old_records_are_purged(app: Flask, firm: User) -> None:
    from app.jobs.housekeeping import purge_sessions

    sessions.create_record(firm)
    old = sessions.create_record(firm)
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.token_hash == sessions.token_hash(old))
        .values(expires_at=utcnow() - timedelta(days=31))
    )
    db.session.commit()
    assert purge_sessions(None) == {"purged": 1}
    db.session.commit()
    assert len(records(firm)) == 1


def test_an_operator_ends_a_users_sessions_from_the_command_line(
    app: Flask, client: FlaskClient, firm: User
) -> None:
    login(client, firm)
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["sessions", "end", "nobody@example.com"])
    assert unknown.exit_code != 0
    assert "没有邮箱为 nobody@example.com 的账号" in unknown.output
    result = runner.invoke(args=["sessions", "end", firm.email.upper()])
    assert result.exit_code == 0, result.output
    assert "已结束" in result.output
    assert not signed_in(client)
    assert records(firm)[0].end_reason == "operator"
