"""Recording who did what: one call per audited operation, made by the services.

A record is written in the caller's transaction, at its commit, after the change it describes:
when it cannot be written the change fails with it, and a change rolled back takes its record
with it. Time, client address and request id are taken from the request when there is one
(jobs and commands have none); the record is chained to the previous one as it is inserted
(app.audit.chain).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import Flask, g, has_request_context, request
from sqlalchemy.orm import Session

from app.audit import chain
from app.extensions import db
from app.models import AuditEvent, Outcome
from app.models.base import utcnow
from app.transactions import within

if TYPE_CHECKING:
    from app.models import User
    from app.security.policies import Visitor

PENDING = "audit_pending"  # session.info key: records waiting for the commit
# an 11-digit mainland mobile number standing alone
MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
NOTE_CHARS = 2000


def mask_phones(text: str) -> str:
    """Mask mobile numbers as 138****0001."""
    return MOBILE.sub(r"\1****\2", text)


def sanitise(note: str) -> str:
    """A note as stored: mobile numbers masked, bounded length."""
    return mask_phones(note or "")[:NOTE_CHARS]


def record(
    actor: Visitor | None, action: str, subject: Any, note: str = "", *, outcome: str = "success"
) -> None:
    """Append an audit event about a model instance (written when the change commits).

    Never pass passwords, tokens or other secrets in the note.
    """
    record_event(
        action,
        actor=actor,
        subject_type=type(subject).__tablename__,
        subject_id=subject.id,
        outcome=outcome,
        note=note,
    )


def record_event(
    action: str,
    *,
    actor: Visitor | None = None,
    subject_type: str = "user",
    subject_id: int | None = None,
    outcome: str = "success",
    note: str = "",
) -> None:
    """Append an audit event in the current transaction; callers must never pass passwords or tokens.

    Mobile numbers in the note are masked anyway; the actor is recorded as id, e-mail and role.
    """
    if not getattr(actor, "is_authenticated", True):  # an anonymous visitor: no actor
        actor = None
    event = AuditEvent(
        **_actor_columns(actor),
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        outcome=Outcome(outcome),
        note=sanitise(note),
    )
    _complete(event)
    session = db.session()
    # held back until the commit (see _write_pending); tied to the (sub)transaction that
    # recorded it, so a rolled-back savepoint takes its records with it
    transaction = session.get_nested_transaction() or session.get_transaction() or session.begin()
    session.info.setdefault(PENDING, []).append((event, transaction))


def record_bulk(actor: User | None, action: str, subject_type: str, subject_ids: list[int]) -> None:
    """Append one event per subject with a single multi-row INSERT (imports of thousands)."""
    if not subject_ids:
        return
    template = AuditEvent(
        **_actor_columns(actor),
        action=action,
        subject_type=subject_type,
        note="",
    )
    _complete(template)
    fields = {name: getattr(template, name) for name in chain.SEALED_FIELDS if name != "seq"}
    rows = [{**fields, "subject_id": i} for i in subject_ids]
    db.session.flush()  # the subjects first: the chain's turn is taken in this transaction
    chain.link(db.session.connection(), rows)
    db.session.execute(sa.insert(AuditEvent), rows)


def record_export(
    actor: Visitor | None, subject_type: str, what: str, subject_id: int | None = None
) -> None:
    """Record a download of data (spreadsheets, tables), with the request's filters if any."""
    query = request.query_string.decode("utf-8", "replace") if has_request_context() else ""
    note = what + (f"（{query[:300]}）" if query else "")
    record_event("export", actor=actor, subject_type=subject_type, subject_id=subject_id, note=note)


def _actor_columns(actor: Visitor | None) -> dict[str, Any]:
    """Who acted, as an event records them: id, e-mail and role (empty for nobody)."""
    return {
        "actor_id": getattr(actor, "id", None),
        "actor_email": getattr(actor, "email", "") or "",
        "actor_role": _role(actor),
    }


def _role(actor: Visitor | None) -> str:
    role = getattr(actor, "role", None)
    return str(getattr(role, "value", role or ""))


def _complete(event: AuditEvent) -> None:
    """Fill in what the caller left out: time, client address, request id."""
    event.created_at = event.created_at or utcnow()
    event.actor_email = event.actor_email or ""
    event.actor_role = event.actor_role or ""
    event.outcome = Outcome(event.outcome or Outcome.SUCCESS)
    event.note = event.note or ""
    if event.client_address is None:
        event.client_address = (request.remote_addr or "") if has_request_context() else ""
    if event.request_id is None:
        event.request_id = g.get("request_id", "") if has_request_context() else ""


def _chain_new_events(session: Session, _context: Any, _instances: Any) -> None:
    """Before a flush inserts audit events, complete them and link them to the chain."""
    events = [obj for obj in session.new if isinstance(obj, AuditEvent)]
    if not events:
        return
    events.sort(key=lambda e: sa.inspect(e).insert_order or 0)  # pending: always numbered
    for event in events:
        _complete(event)
    chain.link(session.connection(), events)


def _write_pending(session: Session) -> None:
    """At commit: flush the change first, then the records (sealed by _chain_new_events).

    Sealing takes the chain's turn (an advisory lock on PostgreSQL) until the commit ends. Taken
    only once every other row of the transaction is written, it is held for the shortest time
    and never while waiting for another transaction's row locks (no deadlock through it).
    """
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    session.flush()
    session.add_all(event for event, _transaction in pending)
    session.flush()


def _forget_rolled_back(session: Session, previous: Any) -> None:
    """Drop the records of a rolled-back (sub)transaction: what they describe did not happen."""
    pending = session.info.get(PENDING)
    if pending:
        session.info[PENDING] = [(e, t) for e, t in pending if not within(t, previous)]


def _forget_ended(session: Session, transaction: Any) -> None:
    """A transaction closed without committing (session.close()) leaves no record behind."""
    if transaction.parent is None:
        _forget_rolled_back(session, transaction)


HOOKS = (
    ("before_flush", _chain_new_events),
    ("before_commit", _write_pending),
    ("after_soft_rollback", _forget_rolled_back),
    ("after_transaction_end", _forget_ended),
)


def init_app(app: Flask) -> None:
    """Chain audit events flushed by any session (the app's and side sessions alike)."""
    for name, hook in HOOKS:
        if not sa.event.contains(Session, name, hook):
            sa.event.listen(Session, name, hook)
