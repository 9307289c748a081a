"""The audit viewer's queries and its CSV export."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from app import clock
from app.extensions import db
from app.models import AuditEvent

EXPORT_LIMIT = 100_000  # rows in one export; narrow the filters for more
CSV_HEADER = (
    "序号", "时间(北京时间)", "操作人ID", "操作人邮箱", "操作人角色", "操作", "对象类型", "对象ID",
    "结果", "客户端地址", "请求ID", "说明", "哈希",
)  # fmt: skip


def query(filters: dict[str, Any]) -> sa.Select[AuditEvent]:
    """Records matching the filters, newest first."""
    stmt = sa.select(AuditEvent).order_by(AuditEvent.seq.desc())
    if "start" in filters:
        stmt = stmt.where(AuditEvent.created_at >= clock.start_of_day(filters["start"]))
    if "end" in filters:  # the whole end day
        stmt = stmt.where(
            AuditEvent.created_at < clock.start_of_day(filters["end"] + timedelta(days=1))
        )
    if "actor" in filters:
        stmt = stmt.where(sa.func.lower(AuditEvent.actor_email) == filters["actor"].lower())
    for name in ("action", "outcome", "subject_type", "client_address"):
        if name in filters:
            stmt = stmt.where(getattr(AuditEvent, name) == filters[name])
    return stmt


def actions() -> list[str]:
    """Every action recorded so far (for the filter's suggestions)."""
    return list(db.session.scalars(sa.select(AuditEvent.action).distinct().order_by("action")))


def export_csv(filters: dict[str, Any]) -> tuple[bytes, int]:
    """The filtered records as UTF-8 CSV with a BOM (Excel reads it as such), and their count."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    count = 0
    for event in db.session.scalars(query(filters).limit(EXPORT_LIMIT)):
        writer.writerow(_row(event))
        count += 1
    return ("\ufeff" + buffer.getvalue()).encode("utf-8"), count


def _row(event: AuditEvent) -> list[Any]:
    created = clock.local(event.created_at)
    return [
        event.seq,
        created.strftime("%Y-%m-%d %H:%M:%S"),
        event.actor_id or "",
        event.actor_email,
        event.actor_role,
        event.action,
        event.subject_type,
        "" if event.subject_id is None else event.subject_id,
        event.outcome.value,
        event.client_address,
        event.request_id,
        _defuse(event.note),
        event.hash,
    ]


def _defuse(text: str) -> str:
    """Keep a spreadsheet from running a note as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def describe(filters: dict[str, Any]) -> str:
    """The filters in one line, for the export's own audit record."""
    return "; ".join(f"{name}={value}" for name, value in sorted(filters.items()))
