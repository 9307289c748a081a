"""Sign-in protection, measured through the test client: `python -m tooling.bench.signin`.

Prints the time for an attacker to lock an account, the request at which an address gets 429,
and the answer times for a known and an unknown e-mail (real scrypt hashes, as in production).
Results go into docs/security-accounts.md by hand.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade

from app import create_app
from app.auth import captcha
from app.config import ROOT, TestConfig
from app.extensions import db, limiter
from app.models import Organization, OrgStatus, Role, User

PASSWORD = "Lake-Bridge-47"  # noqa: S105 -- an account of a throwaway benchmark database
ROUNDS = 30


def build(directory: Path) -> Flask:
    """An app on a fresh SQLite database with one firm user whose hash is production's."""
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{directory / 'bench.db'}",
        WTF_CSRF_ENABLED=False,
    )
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        org = Organization(
            name="测速单位",
            role=Role.PUBLISHER,
            kind="政府部门",
            district="历下区",
            status=OrgStatus.APPROVED,
        )
        user = User(email="known@example.com", name="测速", role=Role.PUBLISHER, organization=org)
        user.set_password(PASSWORD)  # werkzeug's default (scrypt), like every real account
        db.session.add_all([org, user])
        db.session.commit()
    return app


def post(client, email: str, password: str, address: str):  # type: ignore[no-untyped-def]
    """One sign-in post, with a solved 验证码 ready should one be asked."""
    challenge_id = f"bench-{time.monotonic_ns()}"
    with client.application.app_context():
        answer = captcha.digest(challenge_id, "AAAAA")
    with client.session_transaction() as session:
        session[captcha.SESSION_KEY] = {"id": challenge_id, "hash": answer, "at": int(time.time())}
    data = {"email": email, "password": password, "captcha": "aaaaa"}
    return client.post("/auth/login", data=data, environ_base={"REMOTE_ADDR": address})


def time_to_lock(app: Flask) -> tuple[int, float]:
    """Wrong passwords until the account answers 'locked'; attempts and seconds."""
    client = app.test_client()
    started = time.perf_counter()
    for attempt in range(1, 50):
        page = post(client, "known@example.com", "Wrong-Guess-1234", "198.51.100.1")
        if "已被临时锁定" in page.get_data(as_text=True):
            return attempt, time.perf_counter() - started
    raise RuntimeError("the account never locked")


def first_429(app: Flask) -> int:
    """Posts from one address until the first 429 (incomplete forms: no hash work)."""
    client = app.test_client()
    for n in range(1, 1000):
        response = client.post("/auth/login", data={}, environ_base={"REMOTE_ADDR": "203.0.113.9"})
        if response.status_code == 429:
            return n
    raise RuntimeError("no 429")


def answer_times(app: Flask) -> dict[str, list[float]]:
    """Wrong-password answers for a known and an unknown e-mail, interleaved, in ms."""
    client = app.test_client()
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    for n in range(ROUNDS):
        for kind, email in (("known", "known@example.com"), ("unknown", f"nobody{n}@example.com")):
            with app.app_context():
                limiter.reset()  # neither lock nor 验证码 in the way
                db.session.execute(db.update(User).values(failed_logins=0, locked_until=None))
                db.session.commit()
            started = time.perf_counter()
            post(client, email, "Wrong-Guess-1234", f"192.0.2.{n}")
            times[kind].append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    """Run the three measurements and print them."""
    with tempfile.TemporaryDirectory() as directory:
        app = build(Path(directory))
        with app.app_context():
            limiter.reset()
        attempts, seconds = time_to_lock(app)
        print(f"lock: after {attempts} wrong passwords, {seconds:.2f} s from the first")
        with app.app_context():
            limiter.reset()
        print(f"429: request {first_429(app)} from one address within a minute")
        times = answer_times(app)
        for kind, values in times.items():
            print(
                f"{kind:>7} e-mail: median {statistics.median(values):.1f} ms, "
                f"min {min(values):.1f}, max {max(values):.1f} ({ROUNDS} requests)"
            )


if __name__ == "__main__":
    main()
