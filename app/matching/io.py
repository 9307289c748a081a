"""Read dev-set style JSONL listings and TSV relevance judgements."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from app.matching.types import Listing

Qrels = dict[str, dict[str, int]]


class InputError(ValueError):
    """A malformed input line; str() reads `FILE:LINE: reason`."""

    def __init__(self, path: Path, line: int, reason: str) -> None:
        """Remember where the problem is and why."""
        super().__init__(f"{path}:{line}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


def _text(record: Mapping[str, Any], field: str, required: bool = True) -> str:
    """Return a string field; raise ValueError if missing (when required) or not a string."""
    if field not in record:
        if required:
            raise ValueError(f"missing field {field!r}")
        return ""
    value = record[field]
    if not isinstance(value, str):
        raise ValueError(f"field {field!r} must be a string, got {type(value).__name__}")
    return value


def _strings(record: Mapping[str, Any], field: str) -> tuple[str, ...]:
    """Return an optional list-of-strings field as a tuple."""
    value = record.get(field, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"field {field!r} must be a list of strings")
    return tuple(value)


def _identity(record: Mapping[str, Any]) -> tuple[str, str, str]:
    """Return the required id, title and description of a record."""
    listing_id = _text(record, "id")
    if not listing_id.strip():
        raise ValueError("field 'id' must not be empty")
    return listing_id, _text(record, "title"), _text(record, "description")


def scenario_from_record(record: Mapping[str, Any]) -> Listing:
    """Build a scenario Listing from one dev-set JSON object."""
    listing_id, title, description = _identity(record)
    domain = _text(record, "domain", required=False)
    return Listing(
        id=listing_id,
        title=title,
        description=description,
        tags=_strings(record, "tags"),
        domains=(domain,) if domain else (),
        district=_text(record, "district", required=False),
    )


def capability_from_record(record: Mapping[str, Any]) -> Listing:
    """Build a capability Listing from one dev-set JSON object."""
    listing_id, title, description = _identity(record)
    is_local = record.get("is_local")
    if is_local is not None and not isinstance(is_local, bool):
        raise ValueError("field 'is_local' must be true, false or null")
    return Listing(
        id=listing_id,
        title=title,
        description=description,
        tags=_strings(record, "keywords"),
        domains=_strings(record, "domains"),
        district=_text(record, "district", required=False),
        is_local=is_local,
    )


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (1-based line number, JSON object) for each non-blank line."""
    with path.open(encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(path, number, f"invalid JSON: {exc.msg}") from exc
            if not isinstance(record, dict):
                raise InputError(path, number, "expected a JSON object")
            yield number, record


def read_listings(path: Path, build: Callable[[Mapping[str, Any]], Listing]) -> list[Listing]:
    """Read a JSONL file into Listings; raise InputError naming the bad line."""
    listings: list[Listing] = []
    seen: set[str] = set()
    for number, record in _records(path):
        try:
            listing = build(record)
        except ValueError as exc:
            raise InputError(path, number, str(exc)) from exc
        if listing.id in seen:
            raise InputError(path, number, f"duplicate id {listing.id!r}")
        seen.add(listing.id)
        listings.append(listing)
    return listings


def read_scenarios(path: Path) -> list[Listing]:
    """Read scenarios.jsonl (id, title, description, domain, district, tags)."""
    return read_listings(path, scenario_from_record)


def read_capabilities(path: Path) -> list[Listing]:
    """Read capabilities.jsonl (id, title, description, keywords, domains, district, is_local)."""
    return read_listings(path, capability_from_record)


def read_qrels(path: Path) -> Qrels:
    """Read qrels.tsv (header scenario_id, capability_id, grade) into scenario → id → grade."""
    qrels: Qrels = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = csv.reader(handle, delimiter="\t")
        for number, row in enumerate(rows, start=1):
            if number == 1 or not row:
                continue
            if len(row) != 3 or not row[2].strip().isdigit():
                raise InputError(path, number, "expected scenario_id, capability_id, grade")
            qrels.setdefault(row[0], {})[row[1]] = int(row[2])
    return qrels
