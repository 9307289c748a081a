"""The administrators' review centre: organisations, listings and recommended pairs."""

from flask import Blueprint

bp = Blueprint("review", __name__)

from app.review import views  # noqa: E402, F401  (routes register on import)
