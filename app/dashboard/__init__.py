"""The city's dashboard: public aggregates at /dashboard, the full version for administrators."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from app.dashboard import freshness, views  # noqa: E402, F401  (routes and listeners register)
