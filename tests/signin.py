"""Signing in through the real form, 验证码 included (the tests know the answer they planted)."""

from __future__ import annotations

import time
from typing import Any

from flask.testing import FlaskClient

from app.auth import captcha

ANSWER = "K7M3P"


def plant_captcha(client: FlaskClient, answer: str = ANSWER, challenge_id: str = "") -> str:
    """Put a challenge with a known answer in the client's session (as the image route does)."""
    challenge_id = challenge_id or f"test-{time.monotonic_ns()}"
    with client.session_transaction() as session:
        session[captcha.SESSION_KEY] = {
            "id": challenge_id,
            "hash": captcha.digest(challenge_id, answer),
            "at": int(time.time()),
        }
    return challenge_id


def post_login(  # type: ignore[no-untyped-def]
    client: FlaskClient, email: str, password: str, address: str = "127.0.0.1", **extra: Any
):
    """Post the sign-in form with the right 验证码 answer ready, should one be asked."""
    plant_captcha(client)
    data = {"email": email, "password": password, "captcha": ANSWER.lower(), **extra}
    return client.post("/auth/login", data=data, environ_base={"REMOTE_ADDR": address})
