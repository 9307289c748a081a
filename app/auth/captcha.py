"""The image 验证码 asked after repeated sign-in failures: drawn here, no outside service.

The session (a signed, readable cookie) holds only an HMAC of the answer with SECRET_KEY and
a one-time id; the id is marked used in the limiter's store when checked, so replaying an
old cookie with a solved challenge fails.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from captcha.image import ImageCaptcha
from flask import current_app, session
from limits import RateLimitItemPerMinute
from limits.strategies import MovingWindowRateLimiter

from app.auth import throttle
from app.extensions import limiter

# no 0/O, 1/I/L, 2/Z, 5/S, 8/B: people misread them
ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
LENGTH = 5
LIFETIME_SECONDS = 600
SESSION_KEY = "captcha"


def needed(email: str, address: str) -> bool:
    """Too many recent failures for this e-mail or this client address."""
    threshold = current_app.config["LOGIN_CAPTCHA_FAILURES"]
    return (
        throttle.failures("email", email.strip().lower()) >= threshold
        or throttle.failures("address", address) >= threshold
    )


def digest(challenge_id: str, answer: str) -> str:
    """HMAC of an answer, case-insensitive, bound to its challenge."""
    key = current_app.config["SECRET_KEY"].encode()
    message = f"{challenge_id}:{answer.strip().upper()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def new_challenge() -> str:
    """A new answer, remembered (hashed) in the session; returns the answer to draw."""
    answer = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    challenge_id = secrets.token_urlsafe(12)
    session[SESSION_KEY] = {
        "id": challenge_id,
        "hash": digest(challenge_id, answer),
        "at": int(time.time()),
    }
    return answer


def image(answer: str) -> bytes:
    """The PNG of an answer, with the bundled font."""
    return ImageCaptcha(width=160, height=60).generate(answer).getvalue()


def _used_item() -> RateLimitItemPerMinute:
    return RateLimitItemPerMinute(1, LIFETIME_SECONDS // 60, namespace="CAPTCHA-USED")


def check(answer: str) -> bool:
    """Whether the answer solves the session's challenge; the challenge is spent either way."""
    challenge = session.pop(SESSION_KEY, None)
    if not isinstance(challenge, dict) or not answer.strip():
        return False
    if time.time() - int(challenge.get("at", 0)) > LIFETIME_SECONDS:
        return False
    challenge_id = str(challenge.get("id", ""))
    # the first check of an id wins; a replayed cookie finds it spent
    if not MovingWindowRateLimiter(limiter.storage).hit(_used_item(), challenge_id):
        return False
    return hmac.compare_digest(str(challenge.get("hash", "")), digest(challenge_id, answer))
