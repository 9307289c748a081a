"""Excel in and out: templates, checked imports with a preview, and exports of filtered lists."""

from flask import Blueprint

bp = Blueprint("excel", __name__)

from app.excel import views  # noqa: E402, F401  (routes register on import)
