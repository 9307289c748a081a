"""The release schema's contract: the example in docs/ is valid, a published schema never
changes without a new version, and the schema refuses what it should."""

from __future__ import annotations

import copy
import hashlib
import json

import pytest

from app.open_data import schema

EXAMPLE = schema.DOCS / "example-release.json"


def example() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def test_the_example_release_in_docs_is_valid() -> None:
    assert schema.problems(example()) == []


@pytest.mark.parametrize("version", sorted(schema.SCHEMA_SHA256))
def test_a_published_schema_file_never_changes(version: str) -> None:
    """Changing the schema needs a new file, a new version and a new line in SCHEMA_SHA256."""
    data = schema.schema_path(version).read_bytes()
    assert hashlib.sha256(data).hexdigest() == schema.SCHEMA_SHA256[version], (
        f"release-schema-{version}.json changed: publish the change as a new schema version"
    )


def test_the_current_version_is_published_and_named_in_its_schema() -> None:
    assert schema.SCHEMA_VERSION in schema.SCHEMA_SHA256
    assert schema.schema()["properties"]["schemaVersion"]["const"] == schema.SCHEMA_VERSION
    assert sorted(p.name for p in schema.DOCS.glob("release-schema-*.json")) == sorted(
        f"release-schema-{v}.json" for v in schema.SCHEMA_SHA256
    )


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("ocid",), "jnsc-X-1"),
        (("tag",), ["awarded"]),
        (("status",), "draft"),
        (("schemaVersion",), "2.0"),
        (("scenario", "contact", "phone"), "13805310001"),  # an unmasked phone
        (("scenario", "budget", "minWan"), "200"),
        (("scenario", "deadline"), "30/06/2026"),
        (("scenario", "secret"), "x"),  # no field outside the schema
    ],
)
def test_the_schema_refuses(path: tuple[str, ...], value: object) -> None:
    release = example()
    target = release
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert schema.problems(release)


def test_a_release_has_exactly_its_kinds_content() -> None:
    release = example()
    both = copy.deepcopy(release)
    both["capability"] = {}
    assert schema.problems(both)
    wrong_kind = {**release, "kind": "capability"}
    assert schema.problems(wrong_kind)


def test_the_field_tables_come_from_the_schema() -> None:
    paths = [f.path for f in schema.fields("scenario")]
    assert "scenario.contact" in paths
    assert "scenario.budget" in paths
    assert all(f.title for f in schema.fields("capability"))
    assert "ocid" in [f.path for f in schema.fields()]
