"""The public 开放数据 page, the bulk downloads and their manifest (no sign-in)."""

from __future__ import annotations

import base64
from typing import Any

from flask import Blueprint, Response, abort, jsonify, render_template, stream_with_context, url_for

from app.models import OpenDataFile
from app.open_data import files, schema
from app.open_data.exports import LICENSE, PLATFORM

bp = Blueprint("open_data", __name__, cli_group="open-data")

LICENSE_NAME = "知识共享 署名 4.0 国际（CC BY 4.0）"


def describe(row: OpenDataFile) -> dict[str, Any]:
    """One file as listed in the manifest, on the page and by /api/v1/downloads."""
    return {
        "name": row.name,
        "url": url_for("open_data.download", name=row.name, _external=True),
        "mediaType": row.media_type,
        "size": row.size,
        "sha256": row.sha256,
        "rows": row.rows,
        "schemaVersion": row.schema_version,
        "generatedAt": row.generated_at.isoformat(timespec="seconds"),
        "changesCursor": row.cursor,
    }


def manifest() -> dict[str, Any]:
    """The current files with their checksums, the schema version and the licence."""
    current = files.current_files()
    return {
        "publisher": PLATFORM,
        "schemaVersion": schema.SCHEMA_VERSION,
        "schema": url_for("open_data.schema_file", version=schema.SCHEMA_VERSION, _external=True),
        "license": LICENSE,
        "generatedAt": current[0].generated_at.isoformat(timespec="seconds") if current else None,
        "files": [describe(row) for row in current],
    }


@bp.route("/open-data")
def index() -> str:
    """开放数据: what is published, the fields, licence, update frequency and the files."""
    return render_template(
        "open_data/index.html",
        current=files.current_files(),
        common=schema.fields(),
        scenario_fields=schema.fields("scenario"),
        capability_fields=schema.fields("capability"),
        schema_version=schema.SCHEMA_VERSION,
        license_name=LICENSE_NAME,
        license_url=LICENSE,
    )


@bp.route("/open-data/manifest.json")
def manifest_json() -> Response:
    """The manifest of the current files (machine-readable)."""
    return jsonify(manifest())


@bp.route("/open-data/schema/release-schema-<version>.json")
def schema_file(version: str) -> Response:
    """A published version of the release schema."""
    if version not in schema.SCHEMA_SHA256:
        abort(404)
    return Response(schema.schema_path(version).read_bytes(), mimetype="application/schema+json")


@bp.route("/open-data/files/<name>")
def download(name: str) -> Response:
    """One bulk file, streamed part by part (it may be hundreds of megabytes)."""
    row = files.current_file(name)
    if row is None:
        abort(404)
    response = Response(
        stream_with_context(files.read_parts(list(row.parts))),
        mimetype="application/gzip" if name.endswith(".gz") else "text/csv",
        headers={
            "Content-Length": str(row.size),
            "Content-Disposition": f'attachment; filename="{row.name}"',
            "Digest": "sha-256=" + base64.b64encode(bytes.fromhex(row.sha256)).decode(),
            "X-Checksum-SHA256": row.sha256,
            "X-Schema-Version": row.schema_version,
        },
    )
    if name.endswith(".csv"):
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
    return response


from app.open_data import cli  # noqa: E402, F401  (commands register on import)
