"""Engagements (对接): applications, accepted recommendations, stages, applicants, lists."""

from flask import Blueprint

bp = Blueprint("engagements", __name__)

from app.engagements import views  # noqa: E402, F401  (routes register on import)
