"""Password hash checks that take the same work whether or not the account exists."""

from __future__ import annotations

import functools
import secrets

from werkzeug.security import check_password_hash, generate_password_hash

from app.models import User
from app.validators import password_error


@functools.cache
def dummy_hash() -> str:
    """A hash of a random password made the way real ones are (werkzeug's default method)."""
    return generate_password_hash(secrets.token_urlsafe(16))


def verify(password_hash: str | None, password: str) -> bool:
    """Check a password against a user's hash, or against the dummy hash when there is none.

    An unknown e-mail must cost what a known one costs: otherwise the answer time tells
    which addresses have accounts (the assessors measured 7 ms against 140 ms).
    """
    if password_hash is None:
        check_password_hash(dummy_hash(), password)
        return False
    return check_password_hash(password_hash, password)


def policy_error(user: User, password: str) -> str | None:
    """The password policy for this account (its e-mail and its organisation's credit code)."""
    uscc = (user.organization.uscc or "") if user.organization else ""
    return password_error(password, email=user.email, uscc=uscc)
