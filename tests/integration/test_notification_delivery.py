"""E-mail delivery through the outbox, preferences, the daily digest and deadline reminders.

A tiny SMTP server on a local socket stands in for the mail server: no network, no real mail.
"""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app import clock
from app.engagements import services as engagements
from app.extensions import db
from app.models import (
    DeadlineReminder,
    EngagementStage,
    ListingStatus,
    Notification,
    OutboundEmail,
    OutboxStatus,
    Recommendation,
    RecommendationStatus,
    User,
)
from app.models.base import utcnow
from app.notifications import outbox, reminders, services
from tests.conftest import login
from tests.factories import make_capability, make_scenario

# deadlines, "today" and publication dates hold still (see FROZEN_AT)
pytestmark = pytest.mark.usefixtures("frozen_clock")


class SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: greet, accept one or more messages, say goodbye."""

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self.reply("220 fake ESMTP")
        while line := self.rfile.readline():
            verb = line.decode().strip().split(" ")[0].upper()
            if verb == "EHLO":
                self.reply("250 fake")
            elif verb == "DATA":
                self.reply("354 go ahead")
                data = b""
                while (chunk := self.rfile.readline()) != b".\r\n":
                    data += chunk
                self.server.messages.append(message_from_bytes(data, policy=policy.default))  # type: ignore[attr-defined]
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


@pytest.fixture
def smtp(app: Flask) -> Iterator[list]:
    """A local SMTP server; the app sends to it for the test and the messages are collected."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SmtpHandler)
    server.daemon_threads = True
    server.messages = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.server_address[1])
    try:
        yield server.messages  # type: ignore[attr-defined]
    finally:
        app.config.update(saved)
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def smtp_down(app: Flask) -> Iterator[None]:
    """A port where nothing listens: every connection is refused."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield
    app.config.update(saved)


def send_all(now=None) -> outbox.SendReport:
    report = outbox.SendReport()
    for message_id in outbox.due_ids(now):
        outbox.attempt(message_id, report, now)
        db.session.commit()
    return report


def mails() -> list[OutboundEmail]:
    return list(db.session.scalars(sa.select(OutboundEmail).order_by(OutboundEmail.id)))


def test_a_notification_is_queued_and_sent_by_email(smtp: list, publisher: User) -> None:
    services.notify([publisher], "listing_reviewed", "场景已发布", "/scenarios/1", "恭喜")
    db.session.commit()
    [queued] = mails()
    assert queued.status is OutboxStatus.PENDING  # nothing is sent inside the request
    assert smtp == []
    assert send_all().sent == 1
    [message] = smtp
    assert message["To"] == publisher.email
    assert message["Subject"] == "场景已发布"
    assert "http://localhost:5000/scenarios/1" in message.get_content()
    sent = mails()[0]
    assert sent.status is OutboxStatus.SENT
    assert sent.sent_at is not None
    assert send_all().sent == 0  # never twice


def test_smtp_down_keeps_the_mail_and_retries_with_backoff_then_gives_up(
    smtp_down: None, publisher: User
) -> None:
    services.notify([publisher], "listing_reviewed", "场景已发布")
    db.session.commit()
    start = utcnow()
    assert send_all(start).retrying == 1
    mail = mails()[0]
    assert mail.status is OutboxStatus.PENDING
    assert mail.attempts == 1
    assert "ConnectionRefusedError" in mail.last_error
    assert mail.next_attempt_at.replace(tzinfo=start.tzinfo) >= start + timedelta(seconds=59)
    assert send_all(start).retrying == 0  # not due yet
    now = start
    for _ in range(outbox.MAX_ATTEMPTS - 1):
        now += outbox.LONGEST_WAIT
        send_all(now)
    mail = mails()[0]
    assert mail.status is OutboxStatus.FAILED
    assert mail.attempts == outbox.MAX_ATTEMPTS


def test_backoff_doubles_up_to_six_hours() -> None:
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3)] == [60, 120, 240]
    assert outbox.backoff(20) == outbox.LONGEST_WAIT


def test_without_a_mail_server_mail_goes_to_the_log(
    app: Flask, publisher: User, caplog: pytest.LogCaptureFixture
) -> None:
    assert not app.config["MAIL_SERVER"]
    services.notify([publisher], "listing_reviewed", "开发环境的邮件")
    db.session.commit()
    with caplog.at_level("INFO", logger=app.logger.name):
        assert send_all().sent == 1
    assert "开发环境的邮件" in caplog.text


def test_preferences_choose_the_channels_per_kind(client: FlaskClient, publisher: User) -> None:
    login(client, publisher)
    page = client.get("/notifications/settings").get_data(as_text=True)
    # everything on by default (a publisher is not offered the reviewers' work kinds)
    assert page.count("checked") == 2 * len(services.kinds_for(publisher))
    client.post(
        "/notifications/settings",
        data={"site": ["stage_changed"], "email": ["listing_reviewed", "not_a_kind"]},
    )
    services.notify([publisher], "listing_reviewed", "只发邮件")
    services.notify([publisher], "stage_changed", "只在站内")
    db.session.commit()
    titles = list(db.session.scalars(sa.select(Notification.title)))
    assert titles == ["只在站内"]
    assert [m.subject for m in mails()] == ["只发邮件"]


def test_the_daily_digest_merges_held_mail_into_one(client: FlaskClient, publisher: User) -> None:
    login(client, publisher)
    client.post(
        "/notifications/settings",
        data={"site": list(services.KINDS), "email": list(services.KINDS), "daily_digest": "y"},
    )
    services.notify([publisher], "listing_reviewed", "第一条")
    services.notify([publisher], "stage_changed", "第二条")
    db.session.commit()
    assert {m.status for m in mails()} == {OutboxStatus.HELD}
    assert outbox.due_ids() == []
    assert outbox.digest() == 1
    db.session.commit()
    digest = mails()[-1]
    assert digest.status is OutboxStatus.PENDING
    assert digest.subject == "平台消息日报：2 条新消息"
    assert "第一条" in digest.body
    assert "第二条" in digest.body
    assert [m.status for m in mails()[:2]] == [OutboxStatus.MERGED, OutboxStatus.MERGED]
    assert outbox.digest() == 0


def test_deadline_reminders_reach_publisher_and_engaged_firms_once(
    publisher: User, firm: User, other_firm: User
) -> None:
    today = clock.today()
    soon = make_scenario(publisher.organization, deadline=today + timedelta(days=3))
    make_scenario(publisher.organization, deadline=today + timedelta(days=10))
    make_scenario(
        publisher.organization, status=ListingStatus.DRAFT, deadline=today + timedelta(days=1)
    )
    engagements.apply(firm, soon, "我们有成熟的解决方案和案例。")
    ended = engagements.apply(other_firm, soon, "我们也有成熟的解决方案。")
    ended.stage, ended.end_reason = EngagementStage.TERMINATED, "放弃"
    db.session.commit()
    assert reminders.remind_deadlines(today) == 1
    db.session.commit()
    assert reminders.remind_deadlines(today) == 0  # once per scenario
    kinds = db.session.execute(
        sa.select(Notification.user_id).where(Notification.kind == "deadline_soon")
    ).scalars()
    assert sorted(kinds) == sorted([publisher.id, firm.id])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DeadlineReminder)) == 1


def test_approving_a_recommendation_tells_both_sides(
    client: FlaskClient, admin: User, publisher: User, firm: User
) -> None:
    recommendation = Recommendation(
        scenario=make_scenario(publisher.organization),
        capability=make_capability(firm.organization),
        score=0.5,
    )
    db.session.add(recommendation)
    db.session.commit()
    login(client, admin)
    client.post(f"/review/matches/{recommendation.id}/decide", data={"decision": "approve"})
    assert db.session.get(Recommendation, recommendation.id).status is RecommendationStatus.APPROVED
    told = db.session.scalars(
        sa.select(Notification.user_id).where(Notification.kind == "new_recommendation")
    )
    assert sorted(told) == sorted([publisher.id, firm.id])


def test_the_cli_sends_digests_and_reminders(app: Flask, publisher: User) -> None:
    make_scenario(publisher.organization, deadline=clock.today() + timedelta(days=2))
    runner = app.test_cli_runner()
    assert (
        "已为 1 个场景发送截止提醒"
        in runner.invoke(args=["notifications", "remind-deadlines"]).output
    )
    assert "已为 0 位用户生成每日摘要邮件" in runner.invoke(args=["notifications", "digest"]).output
    result = runner.invoke(args=["notifications", "send"])
    assert "已发送 1 封" in result.output
