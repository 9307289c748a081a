"""Failure counters kept where the rate limits are (Redis when configured, else in process).

They count failed sign-ins by e-mail (known or not, so an unknown e-mail is treated exactly
like a known one) and by client address (for the 验证码), and hold the lock of e-mails that
have no account. Known accounts are locked in the database as well (app/auth/lockout.py).
"""

from __future__ import annotations

from flask import current_app
from limits import RateLimitItemPerMinute
from limits.strategies import MovingWindowRateLimiter

from app.extensions import limiter

# a ceiling no one reaches: the counters are read, never used to refuse on their own
_COUNT_CEILING = 10_000


def _strategy() -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(limiter.storage)


def _window() -> RateLimitItemPerMinute:
    minutes = current_app.config["LOGIN_WINDOW_MINUTES"]
    return RateLimitItemPerMinute(_COUNT_CEILING, minutes, namespace="SIGNIN-FAIL")


def _lock() -> RateLimitItemPerMinute:
    return RateLimitItemPerMinute(1, current_app.config["LOGIN_LOCK_MINUTES"], namespace="LOCK")


def note_failure(email: str, address: str) -> int:
    """Count a failed sign-in for the e-mail and the address; the e-mail's count in the window."""
    strategy = _strategy()
    strategy.hit(_window(), "address", address)
    strategy.hit(_window(), "email", email)
    return failures("email", email)


def failures(kind: str, key: str) -> int:
    """Failed sign-ins for an e-mail or an address ("email" or "address") in the window."""
    stats = _strategy().get_window_stats(_window(), kind, key)
    return _COUNT_CEILING - stats.remaining


def forget(email: str) -> None:
    """Start the e-mail's count afresh (a successful sign-in, an unlock)."""
    _strategy().clear(_window(), "email", email)
    _strategy().clear(_lock(), "email", email)


def lock_email(email: str) -> None:
    """Hold an e-mail that has no account locked, as an account would be."""
    _strategy().hit(_lock(), "email", email)


def email_locked(email: str) -> bool:
    """Whether an e-mail without an account is held locked."""
    return not _strategy().test(_lock(), "email", email)
