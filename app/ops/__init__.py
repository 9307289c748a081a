"""Operations: health and readiness probes, Prometheus metrics, database backup and restore.

/healthz   the process answers (public; no database call)
/readyz    database, migrations, Redis, matching process (public; 200 or 503)
/metrics   Prometheus text (METRICS_ALLOWED addresses or the METRICS_TOKEN bearer; else 404)
flask backup create | restore | show
"""

from flask import Blueprint, Flask

bp = Blueprint("ops", __name__)


def init_app(app: Flask) -> None:
    """Time every request (first of the before_request hooks) and serve the probes."""
    from app.ops import metrics, views  # noqa: F401  (views registers the routes on bp)

    metrics.init_app(app)
    app.register_blueprint(bp)
