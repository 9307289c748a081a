"""The public portal: home page, list and detail pages of published listings."""

from flask import Blueprint

bp = Blueprint("portal", __name__)

from app.portal import views  # noqa: E402, F401  (routes register on import)
