"""The e-mail outbox: requests queue mail; a command delivers it with retries and backoff.

Sending never happens inside a request, so a slow or dead SMTP server neither blocks a page
nor loses an event: the row stays pending and is retried later, until it gives up as failed.
"""

from __future__ import annotations

import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.models import NotificationPreference, OutboundEmail, OutboxStatus, User
from app.models.base import utcnow

MAX_ATTEMPTS = 6
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)
SMTP_TIMEOUT = 10


def queue(user: User, kind: str, subject: str, body: str, held: bool = False) -> OutboundEmail:
    """Add one e-mail to the outbox (held for the daily digest when the user asked for one)."""
    message = OutboundEmail(
        user_id=user.id,
        to_address=user.email,
        kind=kind,
        subject=subject[:200],
        body=body,
        status=OutboxStatus.HELD if held else OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=utcnow(),
    )
    db.session.add(message)
    return message


def backoff(attempts: int) -> timedelta:
    """How long to wait after the n-th failed attempt: 1, 2, 4 … minutes, at most 6 hours."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)


def due_ids(now: datetime | None = None, limit: int = 100) -> list[int]:
    """Pending e-mails whose time has come, oldest first."""
    query = (
        sa.select(OutboundEmail.id)
        .where(
            OutboundEmail.status == OutboxStatus.PENDING,
            OutboundEmail.next_attempt_at <= (now or utcnow()),
        )
        .order_by(OutboundEmail.next_attempt_at, OutboundEmail.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


@dataclass
class SendReport:
    """What one `send` run did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0


def attempt(message_id: int, report: SendReport, now: datetime | None = None) -> None:
    """Try one e-mail once; on failure schedule a retry, or give up after MAX_ATTEMPTS."""
    # lock the row so two senders running at once never deliver the same mail twice
    # (PostgreSQL skips rows another sender holds; SQLite has a single writer anyway)
    message = db.session.scalar(
        sa.select(OutboundEmail)
        .where(OutboundEmail.id == message_id, OutboundEmail.status == OutboxStatus.PENDING)
        .with_for_update(skip_locked=True)
    )
    if message is None:
        return
    now = now or utcnow()
    message.attempts += 1
    try:
        deliver(message, current_app.config)
    except (OSError, smtplib.SMTPException) as error:
        message.last_error = f"{type(error).__name__}: {error}"[:2000]
        if message.attempts >= MAX_ATTEMPTS:
            message.status = OutboxStatus.FAILED
            report.failed += 1
        else:
            message.next_attempt_at = now + backoff(message.attempts)
            report.retrying += 1
    else:
        message.status = OutboxStatus.SENT
        message.sent_at = now
        message.last_error = ""
        report.sent += 1
    db.session.flush()


def deliver(message: OutboundEmail, config: Mapping[str, Any]) -> None:
    """Hand one e-mail to the SMTP server, or write it to the log when none is configured."""
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email.set_content(message.body)
    if not config.get("MAIL_SERVER"):
        current_app.logger.info(
            "mail (no MAIL_SERVER, not sent) to %s: %s\n%s",
            message.to_address,
            message.subject,
            message.body,
        )
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
        smtp.send_message(email)


def digest(now: datetime | None = None) -> int:
    """Merge each digest user's held e-mails into one message; return how many were queued."""
    now = now or utcnow()
    held = db.session.scalars(
        sa.select(OutboundEmail)
        .where(OutboundEmail.status == OutboxStatus.HELD)
        .order_by(OutboundEmail.user_id, OutboundEmail.id)
    ).all()
    by_user: dict[int, list[OutboundEmail]] = {}
    for message in held:
        if message.user_id is not None:
            by_user.setdefault(message.user_id, []).append(message)
        else:
            message.status = OutboxStatus.MERGED  # the user was deleted: nobody to tell
    for user_id, messages in by_user.items():
        user = db.session.get(User, user_id)
        for message in messages:
            message.status = OutboxStatus.MERGED
        if user is None or not user.active:
            continue
        queue(user, "digest", f"平台消息日报：{len(messages)} 条新消息", _digest_body(messages))
        preference = db.session.get(NotificationPreference, user_id)
        if preference is not None:
            preference.last_digest_at = now
    db.session.flush()
    return len(by_user)


def _digest_body(messages: list[OutboundEmail]) -> str:
    parts = [f"【{i}】{m.subject}\n{m.body}" for i, m in enumerate(messages, 1)]
    return "\n\n".join(["您好，以下是平台最近一天给您的消息：", *parts])
