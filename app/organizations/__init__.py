"""Organisation profiles: the owners' edit page and the public organisation page."""

from flask import Blueprint

bp = Blueprint("organizations", __name__)

from app.organizations import views  # noqa: E402, F401  (routes register on import)
