"""Saved searches: a signed-in user keeps a list-page search and is alerted to new hits."""

from flask import Blueprint

bp = Blueprint("saved_searches", __name__)

from app.saved_searches import views  # noqa: E402, F401  (routes register on import)
