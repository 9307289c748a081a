"""Bulk downloads: every release as release packages (JSON Lines, gzip) and the current state
as flattened CSV (UTF-8 with BOM, for Excel), for the whole data set and each public batch.

Everything is read from ONE read-only snapshot (REPEATABLE READ on PostgreSQL) with
`yield_per`, so a file is consistent and memory holds one listing's releases at a time; the
bytes go to app.storage in parts (app.open_data.files). Each file records the change feed
cursor as of its snapshot: a consumer downloads once, then follows /api/v1/changes from there.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import clock
from app.extensions import db
from app.models import Batch, BatchItem, ListingRelease, OpenDataFile
from app.models.base import utcnow
from app.open_data import changes, schema
from app.open_data.files import PartWriter, Written, publish
from app.open_data.releases import iso

PLATFORM = "济南数字化应用场景公共服务平台"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
JSONL = "application/x-ndjson+gzip"
CSV = "text/csv; charset=utf-8"
LETTER = {"scenario": "S", "capability": "C"}
YIELD = 1000


@dataclass(frozen=True)
class Scope:
    """What one pair of files holds: a kind, and optionally one batch's listings."""

    kind: str
    stem: str  # scenarios, capabilities, batch-S-3 …
    batch_id: int | None = None


@cache
def _paths(kind: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(path.split(".")) for path in columns(kind))


@cache
def columns(kind: str) -> list[str]:
    """The CSV columns of a kind: the common fields, then the kind's (from the schema)."""
    doc = schema.schema()
    common = [k for k in doc["properties"] if k not in ("scenario", "capability", "publisher")]
    names = [*common, "publisher.name"]
    for name, spec in doc["$defs"][kind.capitalize()]["properties"].items():
        inner = spec.get("properties")
        names += [f"{kind}.{name}.{sub}" for sub in inner] if inner else [f"{kind}.{name}"]
    return names


def flatten(release: dict[str, Any], kind: str) -> list[str]:
    """A release as a CSV row of `columns(kind)` (lists joined with 、)."""
    return [_cell(_dig(release, path)) for path in _paths(kind)]


def _dig(doc: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        doc = doc.get(part) if isinstance(doc, dict) else None
    return doc


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "；".join(_case(v) if isinstance(v, dict) else str(v) for v in value)
    return str(value)


def _case(case: dict[str, Any]) -> str:
    result = f"：{case['result']}" if case.get("result") else ""
    return f"{case['client']}（{case['year']}）{result}"


def package_head(ocid: str, published: str) -> str:
    """The start of a listing's release package (an OCDS-style package), up to its releases."""
    head = {
        "uri": f"/api/v1/releases/{ocid}",
        "version": schema.SCHEMA_VERSION,
        "publishedDate": published,
        "publisher": {"name": PLATFORM},
        "license": LICENSE,
    }
    return json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1] + ',"releases":['


def _grouped(session: Session, scope: Scope) -> Iterator[list[str]]:
    """Each listing's releases as stored JSON text, oldest first, streamed (one listing held
    at a time). The text is copied into the packages as is: parsing and writing every
    release again would double the export's time."""
    query = sa.select(
        ListingRelease.listing_id, sa.type_coerce(ListingRelease.release, sa.Text)
    ).where(ListingRelease.kind == scope.kind)
    if scope.batch_id is not None:
        fk = BatchItem.scenario_id if scope.kind == "scenario" else BatchItem.capability_id
        members = sa.select(fk).where(BatchItem.batch_id == scope.batch_id)
        query = query.where(ListingRelease.listing_id.in_(members))
    query = query.order_by(ListingRelease.listing_id, ListingRelease.number)
    current: list[str] = []
    last_id = None
    for listing_id, release in session.execute(query.execution_options(yield_per=YIELD)):
        if listing_id != last_id and current:
            yield current
            current = []
        last_id = listing_id
        current.append(release)
    if current:
        yield current


def write_scope(session: Session, scope: Scope, published: str, cursor: str) -> list[OpenDataFile]:
    """The JSON Lines and CSV files of a scope (not yet published)."""
    with PartWriter() as jsonl_sink, PartWriter() as csv_sink:
        # level 5: twice as fast as the default 9 or 6 here, files 3 % larger
        gz = gzip.GzipFile(filename="", mode="wb", fileobj=jsonl_sink, mtime=0, compresslevel=5)
        csv_sink.write("\ufeff".encode())  # the BOM: Excel then reads UTF-8
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(columns(scope.kind))
        rows = 0
        for releases in _grouped(session, scope):
            latest = json.loads(releases[-1])
            line = package_head(latest["ocid"], published) + ",".join(releases) + "]}\n"
            gz.write(line.encode())
            writer.writerow(flatten(latest, scope.kind))
            rows += 1
            if text.tell() > 64 * 1024:
                csv_sink.write(_drain(text))
        gz.close()
        csv_sink.write(_drain(text))
        return [
            _row(f"{scope.stem}.jsonl.gz", JSONL, jsonl_sink.finish(), rows, cursor),
            _row(f"{scope.stem}.csv", CSV, csv_sink.finish(), rows, cursor),
        ]


def _drain(text: io.StringIO) -> bytes:
    data = text.getvalue().encode()
    text.seek(0)
    text.truncate()
    return data


def _row(name: str, media_type: str, written: Written, rows: int, cursor: str) -> OpenDataFile:
    return OpenDataFile(
        name=name,
        media_type=media_type,
        size=written.size,
        sha256=written.sha256,
        rows=rows,
        parts=written.parts,
        schema_version=schema.SCHEMA_VERSION,
        cursor=cursor,
        generated_at=utcnow(),
    )


def scopes(session: Session, today: date) -> list[Scope]:
    """The whole data set per kind, then each batch public today."""
    found = [Scope("scenario", "scenarios"), Scope("capability", "capabilities")]
    public = session.scalars(
        sa.select(Batch)
        .where(Batch.publish_on.is_not(None), Batch.publish_on <= today)
        .order_by(Batch.kind, Batch.number)
    )
    for batch in public:
        kind = batch.kind.value
        found.append(Scope(kind, f"batch-{LETTER[kind]}-{batch.number}", batch.id))
    return found


def build_all(today: date | None = None) -> list[OpenDataFile]:
    """Build every file from one snapshot and make them the current generation (committed)."""
    written: list[OpenDataFile] = []
    # SQLite, in a job or command (app.runtime.sqlite.writing): the first transaction to begin
    # takes the one write lock. It must be this session's, which stores the parts, not the
    # snapshot's, which only reads (it would hold the lock the writes wait for).
    db.session.connection()
    try:
        with changes.snapshot(db.engine) as session:
            cursor = changes.encode(changes.position_now(session))  # first: fixes the snapshot
            published = iso(utcnow())
            for scope in scopes(session, today or clock.today()):
                written += write_scope(session, scope, published, cursor)
        publish(written)
        db.session.commit()
    except BaseException:
        _discard(written)
        raise
    return written


def _discard(files: Iterable[OpenDataFile]) -> None:
    from app import storage

    db.session.rollback()
    keys = [key for row in files for key in row.parts]
    if keys:
        storage.delete(*keys)
        db.session.commit()
