"""The staff's second factor: TOTP (RFC 6238) codes from an authenticator app.

The secret is stored encrypted with Fernet (AES-128-CBC and HMAC-SHA256) under a key derived
from SECRET_KEY by HKDF-SHA256, so a copy of the database alone yields no secret; changing
SECRET_KEY makes the stored secrets unreadable and every staff member enrols again (a
安全管理员 resets them). A code is accepted one 30-second step early or late, and a step
already used is refused, so an overheard code cannot be replayed.
"""

from __future__ import annotations

import base64
import hmac
import io
import time

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from app.models import User
from app.models.base import utcnow

ISSUER = "济南数字化应用场景平台"
STEP_SECONDS = 30


def _fernet() -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"jinan-platform totp secret"
    ).derive(current_app.config["SECRET_KEY"].encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret: str) -> str:
    """The stored form of a base32 secret."""
    return _fernet().encrypt(secret.encode()).decode()


def secret_of(user: User) -> str | None:
    """A user's secret in clear, or None (none stored, or stored under another SECRET_KEY)."""
    if not user.totp_secret_encrypted:
        return None
    try:
        return _fernet().decrypt(user.totp_secret_encrypted.encode()).decode()
    except InvalidToken:
        return None


def start_enrolment(user: User) -> str:
    """A new secret for a user who has no confirmed factor (kept until confirmed)."""
    secret = secret_of(user)
    if secret is None or user.totp_confirmed_at is not None:
        secret = pyotp.random_base32()
        user.totp_secret_encrypted = encrypt(secret)
        user.totp_confirmed_at = None
        user.totp_last_step = None
    return secret


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg_data_uri(uri: str) -> str:
    """The QR code as an inline SVG image (drawn here; the CSP allows data: images)."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=5, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def verify(user: User, code: str, now: float | None = None) -> bool:
    """Whether a 6-digit code is right (±1 step) and of a step not used before; records it."""
    secret = secret_of(user)
    code = code.strip().replace(" ", "")
    if secret is None or len(code) != 6 or not code.isdigit():
        return False
    moment = time.time() if now is None else now
    totp = pyotp.TOTP(secret)
    for offset in (-1, 0, 1):
        step = int(moment // STEP_SECONDS) + offset
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False  # this code (or an earlier one) was used already
            user.totp_last_step = step
            if user.totp_confirmed_at is None:
                user.totp_confirmed_at = utcnow()
            return True
    return False


def reset(user: User) -> None:
    """Forget a user's factor: they enrol again at their next sign-in."""
    user.totp_secret_encrypted = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
