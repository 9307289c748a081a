"""Excellent cases (优秀案例): landed engagements published, with both parties' consent."""

from flask import Blueprint

bp = Blueprint("cases", __name__)

from app.cases import views  # noqa: E402, F401  (routes register on import)
