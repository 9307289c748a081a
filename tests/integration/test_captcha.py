"""The image 验证码 after repeated failures: drawn locally, single use, checked before the password."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app.auth import captcha, passwords
from app.extensions import db
from app.models import AuditEvent, Role, User
from tests.factories import PASSWORD, make_org, make_user
from tests.signin import ANSWER, plant_captcha, post_login

ASK = "登录失败次数较多，请输入图片中的验证码"
WRONG = "验证码不正确或已失效"


@pytest.fixture
def user() -> User:
    return make_user(make_org(Role.FIRM), email="firm@example.com")


def post(client: FlaskClient, password: str = PASSWORD, answer: str | None = None, **env: str):  # type: ignore[no-untyped-def]
    data = {"email": "firm@example.com", "password": password}
    if answer is not None:
        data["captcha"] = answer
    return client.post("/auth/login", data=data, environ_base=env or {"REMOTE_ADDR": "127.0.0.1"})


def three_failures(client: FlaskClient, address: str = "127.0.0.1") -> None:
    for _ in range(3):
        post_login(client, "firm@example.com", "Wrong-Guess-1234", address)


def test_no_captcha_before_failures(client: FlaskClient, user: User) -> None:
    assert 'data-testid="captcha"' not in client.get("/auth/login").get_data(as_text=True)
    assert post(client).location == "/my/"


def test_after_three_failures_the_form_shows_the_captcha(client: FlaskClient, user: User) -> None:
    three_failures(client)
    page = post_login(client, "firm@example.com", "Wrong-Guess-1234").get_data(as_text=True)
    assert 'data-testid="captcha"' in page
    assert 'src="/auth/captcha.png"' in page
    # the address has failed too: a fresh page asks at once
    assert 'data-testid="captcha"' in client.get("/auth/login").get_data(as_text=True)


def test_a_missing_or_wrong_answer_is_refused_before_the_password_is_checked(
    client: FlaskClient, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    three_failures(client)
    checked: list[str] = []
    monkeypatch.setattr(passwords, "check_password_hash", lambda h, p: checked.append(p))
    plant_captcha(client)
    assert ASK in post(client).get_data(as_text=True)
    plant_captcha(client)
    assert WRONG in post(client, answer="WRONG").get_data(as_text=True)
    assert checked == []  # the right password was never even looked at
    assert client.get("/my/").location.startswith("/auth/login")
    notes = db.session.scalars(
        sa.select(AuditEvent.note).where(
            AuditEvent.action == "captcha", AuditEvent.outcome == "failure"
        )
    ).all()
    assert notes == ["f***@example.com", "f***@example.com"]


def test_the_right_answer_in_any_case_lets_the_password_be_checked(
    client: FlaskClient, user: User
) -> None:
    three_failures(client)
    plant_captcha(client, "K7M3P")
    assert post(client, answer=" k7m3p ").location == "/my/"


def test_an_answer_works_once(client: FlaskClient, user: User) -> None:
    three_failures(client)
    plant_captcha(client)
    with client.session_transaction() as session:
        solved = dict(session[captcha.SESSION_KEY])
    post(client, password="Wrong-Guess-1234", answer=ANSWER)
    # the same challenge again (a replayed cookie): spent
    with client.session_transaction() as session:
        session[captcha.SESSION_KEY] = solved
    assert WRONG in post(client, answer=ANSWER).get_data(as_text=True)
    # and with no new challenge at all
    assert WRONG in post(client, answer=ANSWER).get_data(as_text=True)


def test_failures_from_one_address_ask_it_for_other_emails_too(
    client: FlaskClient, user: User
) -> None:
    for n in range(3):
        post_login(client, f"guess{n}@example.com", "Wrong-Guess-1234", "203.0.113.7")
    response = client.post(
        "/auth/login",
        data={"email": "firm@example.com", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
    )
    assert ASK in response.get_data(as_text=True)
    # another address signs in to the same account without one
    assert post(client, REMOTE_ADDR="203.0.113.8").location == "/my/"


def test_the_image_is_a_png_drawn_here_and_never_cached(client: FlaskClient) -> None:
    first = client.get("/auth/captcha.png")
    assert first.status_code == 200
    assert first.mimetype == "image/png"
    assert first.data.startswith(b"\x89PNG")
    assert first.headers["Cache-Control"] == "no-store"
    with client.session_transaction() as session:
        challenge = session[captcha.SESSION_KEY]
    assert set(challenge) == {"id", "hash", "at"}  # the answer itself is not in the cookie
    client.get("/auth/captcha.png")
    with client.session_transaction() as session:
        assert session[captcha.SESSION_KEY]["id"] != challenge["id"]
