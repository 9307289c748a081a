"""Walking the audit chain: finds the first edited record, or a deleted one, by its number."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from app.audit import chain
from app.audit_log.retention import PURGE_ACTION, anchor_of
from app.models import AuditEvent

BATCH = 5000  # rows fetched per round trip


@dataclass(frozen=True)
class Verdict:
    """The outcome of a verification: intact, or the first break and where it is."""

    checked: int
    first_seq: int | None = None
    broken_at: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        """Whether every record is unchanged and none is missing."""
        return self.broken_at is None


def _starting_hash(session: Session, first: RowMapping) -> str | None:
    """What the oldest remaining record must follow: genesis, or the last purge's anchor."""
    if first["seq"] == 1:
        return chain.GENESIS
    notes = session.scalars(
        sa.select(AuditEvent.note).where(
            AuditEvent.action == PURGE_ACTION, AuditEvent.subject_id == first["seq"] - 1
        )
    )
    anchors = {anchor_of(note) for note in notes}
    return first["prev_hash"] if first["prev_hash"] in anchors else None


def verify(session: Session) -> Verdict:
    """Check every record's hash and its link to the previous one, in sequence order."""
    # plain rows, not ORM objects: a tenth of the time over millions of records
    columns = [getattr(AuditEvent, name) for name in (*chain.SEALED_FIELDS, "prev_hash", "hash")]
    query = sa.select(*columns).order_by(AuditEvent.seq).execution_options(yield_per=BATCH)
    rows = session.execute(query).mappings()
    try:
        return _walk(session, rows)
    finally:
        rows.close()  # a server-side cursor on PostgreSQL, left early at a break


def _walk(session: Session, rows: Iterable[RowMapping]) -> Verdict:
    signing_key = chain.key()
    checked, first_seq, expected_seq, expected_prev = 0, None, 0, ""
    for event in rows:
        if first_seq is None:
            first_seq = expected_seq = event["seq"]
            expected_prev = _starting_hash(session, event) or ""
            if not expected_prev:
                return Verdict(
                    0, first_seq, event["seq"], "更早的记录被删除，且没有清理记录可以衔接"
                )
        if event["seq"] != expected_seq:
            return Verdict(
                checked,
                first_seq,
                expected_seq,
                f"记录缺失（第 {expected_seq} 至 {event['seq'] - 1} 条）",
            )
        if chain.seal(signing_key, event, event["prev_hash"]) != event["hash"]:
            return Verdict(checked, first_seq, event["seq"], "记录内容被修改（哈希不符）")
        if event["prev_hash"] != expected_prev:
            return Verdict(
                checked, first_seq, event["seq"], "与上一条记录的哈希不衔接（上一条被修改或删除）"
            )
        checked += 1
        expected_seq, expected_prev = event["seq"] + 1, event["hash"]
    return Verdict(checked, first_seq)
