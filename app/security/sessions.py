"""Signed-in sessions: begun after every factor has passed, ended by sign-out or by the server.

Interface used by sign-in, sign-out, password and role changes, locks and deactivation.
(Server-side, revocable sessions with timeouts replace this first version.)
"""

from __future__ import annotations

from flask import session
from flask_login import login_user, logout_user

from app.models import User


def begin(user: User) -> None:
    """Start a fresh session for a user who has passed every factor (new identifier)."""
    session.clear()
    login_user(user)


def end_current(reason: str = "logout") -> None:
    """End the session of this request (sign-out)."""
    logout_user()
    session.clear()


def end_all(user: User, reason: str, *, keep_current: bool = False) -> None:
    """End every session of a user on every machine (password/role change, lock, deactivation)."""
