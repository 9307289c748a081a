"""GET /api/v1/changes, /api/v1/releases/{public_id} and /api/v1/downloads (flask-smorest).

Registered by app.api with the read API's other blueprints (tokens, rate limits, problem
documents and caching come from there). Logic lives in app.open_data.{changes,releases}.
"""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from app.errors.problems import abort_problem
from app.extensions import db
from app.open_data import changes, releases
from app.open_data.identifiers import parse_public_id
from app.open_data.views import manifest

blp = Blueprint(
    "open_data_api",
    __name__,
    description="开放数据：发布记录（release）、变更（按提交顺序，不遗漏）和批量下载文件",
)
BAD_CURSOR = "since 参数无效：请使用上一次响应中 next_cursor 的值（或不带 since 从头读取）。"
LIMIT_DEFAULT = 100


class ChangeArgs(Schema):
    """The query string of /changes."""

    since = fields.String(
        load_default=None,
        metadata={"description": "上一次响应中 next_cursor 的值；不带时从第一条发布记录开始"},
    )
    limit = fields.Integer(
        load_default=LIMIT_DEFAULT,
        validate=validate.Range(min=1, max=changes.MAX_LIMIT, error="limit 必须在 1 到 500 之间。"),
        metadata={"description": "每次最多返回的条数（1–500，默认 100）"},
    )


class NoArgs(Schema):
    """No query arguments."""


class Change(Schema):
    """One release in the feed."""

    ocid = fields.String(required=True)
    release_id = fields.String(required=True, data_key="releaseId")
    tag = fields.String(required=True)
    date = fields.String(required=True)
    kind = fields.String(required=True)
    url = fields.String(required=True, metadata={"description": "该内容的全部发布记录"})
    release = fields.Dict(required=True, metadata={"description": "release-schema-1.0"})


class ChangePage(Schema):
    """A page of the feed: ask again from next_cursor (the feed never ends)."""

    items = fields.List(fields.Nested(Change), required=True)
    next = fields.String(required=True)
    next_cursor = fields.String(required=True)
    more = fields.Boolean(required=True, metadata={"description": "true：立即再请求可得到更多"})


class Record(Schema):
    """A listing's releases, oldest first, and the compiled release (its current state)."""

    ocid = fields.String(required=True)
    releases = fields.List(fields.Dict(), required=True)
    compiled_release = fields.Dict(required=True, data_key="compiledRelease")


class DownloadFile(Schema):
    """One bulk file."""

    name = fields.String(required=True)
    url = fields.String(required=True)
    media_type = fields.String(required=True, data_key="mediaType")
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    rows = fields.Integer(required=True)
    schema_version = fields.String(required=True, data_key="schemaVersion")
    generated_at = fields.String(required=True, data_key="generatedAt")
    changes_cursor = fields.String(required=True, data_key="changesCursor")


class Downloads(Schema):
    """The manifest of the bulk files."""

    publisher = fields.String(required=True)
    schema_version = fields.String(required=True, data_key="schemaVersion")
    schema = fields.String(required=True)
    license = fields.String(required=True)
    generated_at = fields.String(allow_none=True, required=True, data_key="generatedAt")
    files = fields.List(fields.Nested(DownloadFile), required=True)


@blp.route("/changes")
@blp.arguments(ChangeArgs, location="query", unknown=RAISE)
@blp.response(200, ChangePage)
def changes_page(args: dict[str, Any]) -> dict[str, Any]:
    """变更：游标之后的发布记录，按提交顺序；并发提交也不会遗漏。"""
    try:
        cursor = changes.decode(args["since"]) if args["since"] else changes.Cursor()
    except changes.CursorError:
        abort_problem(400, BAD_CURSOR)
    with changes.snapshot(db.engine) as session:
        page = changes.read(session, cursor, args["limit"])
        items = [_change(row) for row in page.releases]
    text = changes.encode(page.cursor)
    return {
        "items": items,
        "next": url_for(request.endpoint or "", since=text, limit=args["limit"], _external=True),
        "next_cursor": text,
        "more": page.more,
    }


def _change(row: Any) -> dict[str, Any]:
    return {
        "ocid": row.ocid,
        "release_id": row.release["id"],
        "tag": row.tag,
        "date": row.release["date"],
        "kind": row.kind,
        "url": url_for("open_data_api.release_record", public_id=row.ocid, _external=True),
        "release": row.release,
    }


@blp.route("/releases/<string:public_id>")
@blp.arguments(NoArgs, location="query", unknown=RAISE)
@blp.response(200, Record)
def release_record(_args: dict[str, Any], public_id: str) -> dict[str, Any]:
    """一条内容的全部发布记录（最早的在前）和汇总记录（当前状态）。"""
    parsed = parse_public_id(public_id)
    record = None
    if parsed is not None:
        record = releases.compile_record(r.release for r in releases.history(*parsed))
    if record is None:
        abort_problem(404, "没有这个公开标识的发布记录（从未发布的内容没有发布记录）。")
    return {
        "ocid": record["ocid"],
        "releases": record["releases"],
        "compiled_release": record["compiledRelease"],
    }


@blp.route("/downloads")
@blp.arguments(NoArgs, location="query", unknown=RAISE)
@blp.response(200, Downloads)
def downloads(_args: dict[str, Any]) -> dict[str, Any]:
    """批量下载文件：大小、SHA-256 校验值、数据格式版本和对应的变更游标。"""
    found = manifest()
    return {
        "publisher": found["publisher"],
        "schema_version": found["schemaVersion"],
        "schema": found["schema"],
        "license": found["license"],
        "generated_at": found["generatedAt"],
        "files": [
            {
                "name": f["name"],
                "url": f["url"],
                "media_type": f["mediaType"],
                "size": f["size"],
                "sha256": f["sha256"],
                "rows": f["rows"],
                "schema_version": f["schemaVersion"],
                "generated_at": f["generatedAt"],
                "changes_cursor": f["changesCursor"],
            }
            for f in found["files"]
        ],
    }
