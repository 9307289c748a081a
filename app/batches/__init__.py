"""第N批: administrators compose numbered lists of published listings; the public reads them."""

from flask import Blueprint

bp = Blueprint("batches", __name__)

from app.batches import cli, views  # noqa: E402, F401  (routes and commands register on import)
