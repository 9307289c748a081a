"""Bulk downloads: built from releases in one snapshot, checksums that match the bytes, CSV
with a BOM, each public batch, nothing unpublished; the job after changes (debounced); the
public 开放数据 page, manifest and download routes."""

from __future__ import annotations

import base64
import csv
import gzip
import hashlib
import io
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app import clock
from app.batches import services as batches
from app.extensions import db
from app.jobs import enqueue
from app.listings import services
from app.models import BatchKind, JobRun, ListingStatus, OpenDataFile, Role, StoredFile, User
from app.open_data import changes, exports, files, schema
from tests.factories import make_org, make_scenario
from tests.integration.open_data_helpers import (
    owner_of,
    published_capability,
    published_scenario,
    revise,
)


def by_name() -> dict[str, OpenDataFile]:
    return {row.name: row for row in files.current_files()}


def jsonl(row: OpenDataFile) -> list[dict]:
    return [json.loads(line) for line in gzip.decompress(files.read_all(row)).splitlines()]


def csv_rows(row: OpenDataFile) -> list[dict[str, str]]:
    data = files.read_all(row)
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the file as UTF-8
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.fixture
def world(admin: User) -> dict:
    """A revised scenario, a closed one, a capability, a draft and a withdrawn-unpublished one."""
    revised = published_scenario(admin, title="修改前的场景", contact_phone="13805310001")
    revise(admin, revised, title="修改后的场景")
    closed = published_scenario(admin, title="已关闭的场景")
    services.close(owner_of(closed), closed, "需求已满足")
    capability = published_capability(admin, title="公开的能力")
    org = make_org(Role.PUBLISHER)
    draft = make_scenario(org, ListingStatus.DRAFT, title="草稿不公开")
    db.session.commit()
    return {"revised": revised, "closed": closed, "capability": capability, "draft": draft}


def test_the_whole_data_set_as_release_packages_and_csv(world: dict) -> None:
    exports.build_all()
    found = by_name()
    assert set(found) == {
        "scenarios.jsonl.gz",
        "scenarios.csv",
        "capabilities.jsonl.gz",
        "capabilities.csv",
    }
    packages = jsonl(found["scenarios.jsonl.gz"])
    assert [len(p["releases"]) for p in packages] == [2, 2]
    for package in packages:
        assert package["version"] == schema.SCHEMA_VERSION
        assert package["uri"] == f"/api/v1/releases/{package['releases'][0]['ocid']}"
        for release in package["releases"]:
            assert schema.problems(release) == []
    titles = [r["scenario"]["title"] for r in packages[0]["releases"]]
    assert titles == ["修改前的场景", "修改后的场景"]  # the history, as published then

    rows = csv_rows(found["scenarios.csv"])
    assert [r["scenario.title"] for r in rows] == ["修改后的场景", "已关闭的场景"]  # current state
    assert [r["status"] for r in rows] == ["published", "closed"]
    assert rows[0]["scenario.contact.phone"] == "138****0001"
    assert rows[0]["scenario.technologies"] == "人工智能；物联网"
    assert list(rows[0]) == exports.columns("scenario")
    assert (
        csv_rows(found["capabilities.csv"])[0]["capability.cases"]
        == "某区城管局（2024）：发现病害1200处"
    )

    everything = json.dumps(
        [jsonl(found[n]) for n in found if n.endswith(".gz")]
        + [csv_rows(found[n]) for n in found if n.endswith(".csv")],
        ensure_ascii=False,
    )
    for secret in ("草稿不公开", "13805310001"):
        assert secret not in everything


def test_checksums_sizes_and_counts_match_the_bytes(world: dict) -> None:
    exports.build_all()
    for row in files.current_files():
        data = files.read_all(row)
        assert len(data) == row.size
        assert hashlib.sha256(data).hexdigest() == row.sha256
        assert row.schema_version == schema.SCHEMA_VERSION
        assert changes.decode(row.cursor)  # a feed position a consumer can follow from
    assert by_name()["scenarios.csv"].rows == 2


def test_files_larger_than_a_part_are_stored_in_parts(world: dict, monkeypatch) -> None:
    monkeypatch.setattr(files, "PART_SIZE", 256)
    exports.build_all()
    row = by_name()["scenarios.csv"]
    assert len(row.parts) == -(-row.size // 256) > 1
    assert hashlib.sha256(files.read_all(row)).hexdigest() == row.sha256


def test_each_public_batch_has_its_files(world: dict, admin: User) -> None:
    public = batches.create(admin, BatchKind.SCENARIO)
    batches.update(admin, public, public.title, "", [world["revised"].id])
    batches.publish(admin, public, clock.today())
    later = batches.create(admin, BatchKind.SCENARIO)
    batches.update(admin, later, later.title, "", [published_scenario(admin).id])
    batches.publish(admin, later, clock.today() + timedelta(days=5))
    db.session.commit()
    exports.build_all()
    found = by_name()
    assert "batch-S-1.csv" in found
    assert "batch-S-1.jsonl.gz" in found
    assert "batch-S-2.csv" not in found  # not public yet
    rows = csv_rows(found["batch-S-1.csv"])
    assert [r["ocid"] for r in rows] == [f"jnsc-S-{world['revised'].id}"]


def test_a_new_generation_replaces_the_files_and_older_ones_are_deleted(world: dict) -> None:
    exports.build_all()
    first_parts = {k for r in files.current_files() for k in r.parts}
    exports.build_all()
    exports.build_all()
    generations = set(db.session.scalars(sa.select(OpenDataFile.generation)))
    assert generations == {2, 3}  # the current one and the one before (downloads under way)
    stored = set(db.session.scalars(sa.select(StoredFile.key)))
    assert not first_parts & stored


def test_changes_of_published_data_queue_one_refresh_per_transaction(
    app: Flask, admin: User, monkeypatch
) -> None:
    monkeypatch.setitem(app.config, "OPEN_DATA_AUTO_REFRESH", True)
    published_scenario(admin, title="触发更新的场景")
    runs = db.session.scalars(sa.select(JobRun).where(JobRun.name == "open_data.refresh")).all()
    assert len(runs) == 1
    assert runs[0].result["files"] == 4
    assert by_name()["scenarios.csv"].rows == 1


def test_a_refresh_leaves_the_work_to_a_later_queued_run(app: Flask, admin: User) -> None:
    published_scenario(admin)
    first = enqueue("open_data.refresh")  # not committed: both stay queued until the commit
    db.session.flush()
    second = JobRun(name="open_data.refresh", args={})
    db.session.add(second)
    db.session.commit()  # eager: the first runs now and finds the second queued
    first = db.session.get(JobRun, first.id)
    assert "skipped" in first.result
    assert files.current_files() == []


def test_the_daily_job_backfills_and_builds(admin: User) -> None:
    make_scenario(make_org(Role.PUBLISHER), title="早于发布记录的场景")
    enqueue("open_data.daily")
    db.session.commit()
    assert by_name()["scenarios.csv"].rows == 1


def test_the_open_data_page_lists_files_fields_and_licence(
    client: FlaskClient, world: dict
) -> None:
    exports.build_all()
    page = client.get("/open-data").get_data(as_text=True)
    for expected in ("开放数据", "CC BY 4.0", "更新频率", "/api/v1/docs", "scenarios.csv"):
        assert expected in page
    assert by_name()["scenarios.csv"].sha256 in page
    for field in schema.fields("scenario") + schema.fields("capability"):
        assert field.title in page  # the table is generated from the schema
    home = client.get("/").get_data(as_text=True)
    assert 'href="/open-data"' in home  # linked from every page's footer


def test_the_page_before_the_first_build(client: FlaskClient) -> None:
    response = client.get("/open-data")
    assert response.status_code == 200
    assert "正在生成" in response.get_data(as_text=True)


def test_downloads_manifest_and_api_list(client: FlaskClient, world: dict) -> None:
    exports.build_all()
    row = by_name()["scenarios.csv"]
    response = client.get("/open-data/files/scenarios.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["X-Checksum-SHA256"] == row.sha256
    digest = base64.b64encode(hashlib.sha256(response.get_data()).digest()).decode()
    assert response.headers["Digest"] == f"sha-256={digest}"  # RFC 3230: base64
    assert hashlib.sha256(response.get_data()).hexdigest() == row.sha256
    gz = client.get("/open-data/files/scenarios.jsonl.gz")
    assert gz.mimetype == "application/gzip"
    assert gzip.decompress(gz.get_data())
    assert client.get("/open-data/files/nothing.csv").status_code == 404
    assert client.get("/open-data/files/..%2Fetc").status_code == 404

    manifest = client.get("/open-data/manifest.json").get_json()
    listed = client.get("/api/v1/downloads").get_json()
    for body in (manifest, listed):
        assert body["schemaVersion"] == schema.SCHEMA_VERSION
        assert {f["name"]: f["sha256"] for f in body["files"]}["scenarios.csv"] == row.sha256
    assert client.get(f"/open-data/schema/release-schema-{schema.SCHEMA_VERSION}.json").get_json()
    assert client.get("/open-data/schema/release-schema-9.9.json").status_code == 404


def test_the_api_lists_no_files_before_the_first_build(client: FlaskClient) -> None:
    body = client.get("/api/v1/downloads").get_json()
    assert body["files"] == []
    assert body["generatedAt"] is None


def test_a_failed_build_leaves_no_parts_behind(world: dict, monkeypatch) -> None:
    def broken(*_args, **_kwargs):  # noqa: ANN002, ANN003, ANN202 - a stand-in
        raise RuntimeError("disk full")

    exports.build_all()
    before = set(db.session.scalars(sa.select(StoredFile.key)))
    monkeypatch.setattr(exports, "publish", broken)
    with pytest.raises(RuntimeError):
        exports.build_all()
    assert set(db.session.scalars(sa.select(StoredFile.key))) == before
    assert by_name()["scenarios.csv"].rows == 2  # the previous files are still served


def test_expired_scenarios_are_in_the_next_build(admin: User) -> None:
    published_scenario(admin, deadline=clock.today() + timedelta(days=1))
    services.expire_due(today=clock.today() + timedelta(days=5))
    db.session.commit()
    exports.build_all()
    assert csv_rows(by_name()["scenarios.csv"])[0]["status"] == "expired"
