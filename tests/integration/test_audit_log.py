"""The audit viewer at /audit/: filters, pages, and the CSV export (itself audited)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app import audit
from app.extensions import db
from app.models import AuditEvent, Role, User
from app.models.base import utcnow
from tests.conftest import login
from tests.factories import make_org, make_user


def seed(auditor: User, firm: User) -> None:
    """Three records, oldest first: an approval, a failed sign-in from an address, an export."""
    db.session.add(
        AuditEvent(
            action="approve",
            actor_id=auditor.id,
            actor_email=auditor.email,
            actor_role="auditor",
            subject_type="organizations",
            subject_id=7,
            created_at=utcnow() - timedelta(days=10),
        )
    )
    db.session.commit()
    db.session.add(
        AuditEvent(
            action="login",
            subject_type="user",
            outcome="failure",
            client_address="198.51.100.23",
            note="密码错误",
        )
    )
    db.session.commit()
    audit.record_event("export", actor=firm, subject_type="scenarios", note="场景机会清单.xlsx")
    db.session.commit()


def rows(client: FlaskClient, query: str = "") -> list[str]:
    """The actions shown in the table, top to bottom."""
    html = client.get(f"/audit/{query}").get_data(as_text=True)
    table = html.split('data-testid="audit-log"', 1)
    if len(table) == 1:
        return []
    return [cell.split("</td>")[0] for cell in table[1].split("<td>")[5::10]]


def test_an_administrator_sees_every_record_newest_first(
    client: FlaskClient, auditor: User, firm: User
) -> None:
    seed(auditor, firm)
    login(client, auditor)
    assert rows(client) == ["export", "login", "approve"]


def test_each_filter_narrows_the_records(client: FlaskClient, auditor: User, firm: User) -> None:
    seed(auditor, firm)
    login(client, auditor)
    today = utcnow().date()
    assert rows(client, "?outcome=failure") == ["login"]
    assert rows(client, f"?actor={firm.email.upper()}") == ["export"]
    assert rows(client, "?action=approve") == ["approve"]
    assert rows(client, "?subject_type=scenarios") == ["export"]
    assert rows(client, "?client_address=198.51.100.23") == ["login"]
    assert rows(client, f"?start={today - timedelta(days=1)}") == ["export", "login"]
    assert rows(client, f"?end={today - timedelta(days=5)}") == ["approve"]
    assert rows(client, "?action=nothing") == []


def test_invalid_filters_show_their_errors_and_no_records(
    client: FlaskClient, auditor: User, firm: User
) -> None:
    seed(auditor, firm)
    login(client, auditor)
    html = client.get("/audit/?start=2026-12-01&end=2026-11-01").get_data(as_text=True)
    assert "截止日期不能早于起始日期。" in html
    assert 'data-testid="audit-log"' not in html
    html = client.get("/audit/?start=yesterday&outcome=perhaps").get_data(as_text=True)
    assert "筛选条件有误" in html
    assert client.get("/audit/?page=99999999").status_code == 200


def test_the_pages_hold_a_fixed_number_of_records(
    app: Flask, client: FlaskClient, auditor: User
) -> None:
    per_page = app.config["PAGE_SIZE"] * 4
    for n in range(per_page + 3):
        audit.record_event("test", subject_id=n)
    db.session.commit()
    login(client, auditor)
    assert len(rows(client)) == per_page
    assert len(rows(client, "?page=2")) == 3


def test_the_export_is_csv_with_a_bom_of_the_filtered_records_and_is_audited(
    client: FlaskClient, auditor: User, firm: User
) -> None:
    seed(auditor, firm)
    login(client, auditor)
    response = client.get("/audit/export.csv?outcome=failure")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="audit-')
    assert response.data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert table[0][:6] == [
        "序号",
        "时间(北京时间)",
        "操作人ID",
        "操作人邮箱",
        "操作人角色",
        "操作",
    ]
    assert [row[5] for row in table[1:]] == ["login"]
    assert table[1][9:12] == ["198.51.100.23", "", "密码错误"]
    export = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "audit_export"))
    assert (export.actor_id, export.subject_type) == (auditor.id, "audit_events")
    assert export.note == "导出1条审计记录（outcome=failure）"


def test_the_export_defuses_formulas_in_notes(client: FlaskClient, auditor: User) -> None:
    audit.record_event("test", note='=HYPERLINK("http://evil")')
    db.session.commit()
    login(client, auditor)
    table = list(csv.reader(io.StringIO(client.get("/audit/export.csv").data.decode("utf-8-sig"))))
    assert table[1][11] == '\'=HYPERLINK("http://evil")'


def test_an_export_with_invalid_filters_is_refused_not_widened(
    client: FlaskClient, auditor: User, firm: User
) -> None:
    seed(auditor, firm)
    login(client, auditor)
    response = client.get("/audit/export.csv?start=2026-12-01&end=2026-11-01")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/audit/?")
    assert (
        db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "audit_export")) is None
    )


def test_others_are_refused_the_viewer_and_the_export(client: FlaskClient) -> None:
    others = (
        make_user(make_org(Role.FIRM)),
        make_user(make_org(Role.PUBLISHER)),
        make_user(None, Role.REVIEWER),
        make_user(None, Role.SYSADMIN),
        make_user(None, Role.SECADMIN),
    )
    for user in others:
        login(client, user)
        assert client.get("/audit/").status_code == 403
        assert client.get("/audit/export.csv").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0
