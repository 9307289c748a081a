"""The API's readable documentation: Swagger UI (static/vendor/swagger-ui, no CDN) at
/api/v1/docs, reading the generated document at /api/v1/openapi.json."""

from __future__ import annotations

from flask import Blueprint, Flask, render_template, url_for
from flask_smorest import Api

bp = Blueprint("api_docs", __name__)


@bp.route("/api/v1/docs")
def page() -> str:
    """The documentation page."""
    return render_template("api/docs.html", spec_url=url_for("api-docs.openapi_json"))


def init_app(app: Flask, _api: Api) -> None:
    """Register the page (not part of the document it shows)."""
    app.register_blueprint(bp)
