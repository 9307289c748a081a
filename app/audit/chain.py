"""The hash chain of the audit trail: sealing new records in order, and the key that signs them.

Each record's `hash` is HMAC-SHA256(key, canonical form of its fields + the previous record's
hash). The key comes from AUDIT_KEY, or is derived from SECRET_KEY: someone who can edit the
database but does not hold the key cannot recompute the chain after changing a record.

Sealing reads the chain's head, so writers must take turns: on PostgreSQL a transaction-scoped
advisory lock (held until commit or rollback), on SQLite the database's single write lock,
taken before the head is read (a transaction that read first could not wait for it).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import Connection, RowMapping

GENESIS = "0" * 64  # the previous hash of the very first record
# pg_advisory_xact_lock key: the bytes of "audit" (any constant unused elsewhere in the app)
ADVISORY_LOCK_KEY = 0x6175646974
# the fields the hash covers, in this order (the hash columns themselves excluded)
SEALED_FIELDS = (
    "seq",
    "created_at",
    "actor_id",
    "actor_email",
    "actor_role",
    "action",
    "subject_type",
    "subject_id",
    "outcome",
    "client_address",
    "request_id",
    "note",
)


def key() -> bytes:
    """The HMAC key: AUDIT_KEY when configured, else one derived from SECRET_KEY."""
    configured = current_app.config.get("AUDIT_KEY") or ""
    if configured:
        return configured.encode()
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"jinan-platform audit chain v1", hashlib.sha256).digest()


def timestamp(value: datetime) -> str:
    """A database-independent form of a time (SQLite returns it naive, in UTC)."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(fields: Mapping[str, Any] | RowMapping) -> bytes:
    """The bytes the hash covers: the sealed fields as compact, key-ordered JSON."""
    values: dict[str, Any] = {}
    for name in SEALED_FIELDS:
        value = fields[name]
        if isinstance(value, datetime):
            value = timestamp(value)
        elif hasattr(value, "value"):  # an enum
            value = value.value
        values[name] = value
    return json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def seal(signing_key: bytes, fields: Mapping[str, Any] | RowMapping, prev_hash: str) -> str:
    """The hash of a record whose predecessor's hash is prev_hash."""
    message = canonical(fields) + b"|" + prev_hash.encode()
    return hmac.new(signing_key, message, hashlib.sha256).hexdigest()


def take_turn(connection: Connection) -> None:
    """Make every other writer of the chain wait until this transaction ends."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
    elif connection.dialect.name == "sqlite" and not _sqlite_writing(connection):
        # a write that touches no row still takes SQLite's write lock for the transaction
        # (the driver begins one first), waiting for it up to the busy timeout
        connection.exec_driver_sql("DELETE FROM audit_events WHERE 0")


def _sqlite_writing(connection: Connection) -> bool:
    """Whether the connection's transaction already holds SQLite's write lock."""
    return bool(connection.connection.dbapi_connection.in_transaction)  # type: ignore[union-attr]


def head(connection: Connection) -> tuple[int, str]:
    """The last sequence number and hash of the chain (0 and GENESIS when empty)."""
    from app.models import AuditEvent

    row = connection.execute(
        sa.select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    return (row.seq, row.hash) if row else (0, GENESIS)


def link(connection: Connection, records: Iterable[Any]) -> None:
    """Give records (ORM objects or dicts, in order) their seq, prev_hash and hash."""
    take_turn(connection)
    seq, prev = head(connection)
    signing_key = key()
    for record in records:
        seq += 1
        _set(record, "seq", seq)
        _set(record, "prev_hash", prev)
        fields = record if isinstance(record, Mapping) else _fields(record)
        prev = seal(signing_key, fields, prev)
        _set(record, "hash", prev)


def _set(record: Any, name: str, value: Any) -> None:
    if isinstance(record, dict):
        record[name] = value
    else:
        setattr(record, name, value)


def _fields(record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name in SEALED_FIELDS}
