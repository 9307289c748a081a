"""The versioned JSON Schema of releases (docs/open-data/release-schema-<version>.json).

A published schema never changes: a change is a new file with a new version, recorded in
SCHEMA_SHA256 (a test compares each file with its checksum). Consumers rely on that.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

DOCS = Path(__file__).resolve().parents[2] / "docs" / "open-data"
SCHEMA_VERSION = "1.0"
# every published schema version and the SHA-256 of its file: never edit a line, add one
SCHEMA_SHA256 = {
    "1.0": "4d554301d89304914859c2c89b3ee5fbaf8616d6e1d50689dcf20fe1ec84e7af",
}


def schema_path(version: str = SCHEMA_VERSION) -> Path:
    """Where a version's schema file lives."""
    return DOCS / f"release-schema-{version}.json"


@cache
def schema(version: str = SCHEMA_VERSION) -> dict[str, Any]:
    """A version's JSON Schema."""
    return json.loads(schema_path(version).read_text(encoding="utf-8"))


@cache
def _validator(version: str) -> Draft202012Validator:
    return Draft202012Validator(schema(version), format_checker=FormatChecker())


def problems(release: dict[str, Any], version: str = SCHEMA_VERSION) -> list[str]:
    """What makes a release invalid under the schema (empty: valid)."""
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
        for error in _validator(version).iter_errors(release)
    ]


@dataclass(frozen=True)
class Field:
    """One documented field, for the 开放数据 page's table (generated, not written twice)."""

    path: str
    title: str
    description: str


def fields(kind: str | None = None) -> list[Field]:
    """The common fields (kind None) or a kind's fields, with their titles and descriptions."""
    doc = schema()
    if kind is None:
        props = {k: v for k, v in doc["properties"].items() if k not in ("scenario", "capability")}
        prefix = ""
    else:
        props = doc["$defs"][kind.capitalize()]["properties"]
        prefix = f"{kind}."
    return [
        Field(prefix + name, spec.get("title", ""), spec.get("description", ""))
        for name, spec in props.items()
    ]
