"""The industry map (产业集群图谱): firms by industry chain and district, public."""

from flask import Blueprint

bp = Blueprint("industry", __name__)

from app.industry import views  # noqa: E402, F401  (routes register on import)
