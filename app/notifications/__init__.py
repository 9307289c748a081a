"""Notifications: one service every feature calls, and the signed-in user's notification list."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)

from app.notifications import reviewers, views  # noqa: E402, F401  (routes, listeners register)
