"""The matching process: the engine and both sides' indexes once per machine, over HTTP.

`gunicorn -c deploy/gunicorn-matching.conf.py` serves `create_matching_app()` with ONE worker
and several threads on MATCHING_BIND (127.0.0.1:5001): the web workers of the machine ask it
for recommendations (MATCHING_URL). A follower thread applies the change feed every
MATCHING_POLL_SECONDS; at start-up it loads the newest compatible index artifact, else builds
from the database (/readyz answers 503 until then). Endpoints, all JSON:

- GET  /healthz           the process is alive
- GET  /readyz            state loaded? engine version, when built, listings per side, feed lag
- POST /v1/recommend      the top N of the other side for a listing (its text, or a stored
                          listing by side and id), filters applied before the cut
- POST /v1/score          given candidates scored against one listing (applicants)

Engine changes are built by the `matching.rebuild` job, not here: this process loads the
artifact it publishes, beside the state it serves, and switches.

Every answer about matches carries the engine version that produced it.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Flask

from app.config import Config, config_from_env
from app.extensions import db
from app.recommendations.matcher import Matcher

logger = logging.getLogger(__name__)


def create_matching_app(
    config: type[Config] | None = None, follow: bool = True, **overrides: Any
) -> Flask:
    """The matching process's WSGI app (follow: start the feed follower thread)."""
    config = config or config_from_env()
    app = Flask(__name__)
    app.config.from_object(config)
    app.config["SECRET_KEY"] = overrides.pop("SECRET_KEY", None) or config.secret_key()
    app.config.update(overrides)
    _configure_logging()
    from app import models  # noqa: F401  (register every model with the metadata)

    db.init_app(app)
    with app.app_context():
        app.extensions["matcher"] = Matcher(
            db.engine,
            app.config["SEED_DIR"] / "matching",
            app.config["SECRET_KEY"],
            background=True,
            keep_days=int(app.config["MATCHING_FEED_DAYS"]),
        )
    from app.matching_service.views import bp

    app.register_blueprint(bp)
    if follow:
        app.extensions["matching_follower"] = Follower(
            app.extensions["matcher"], float(app.config["MATCHING_POLL_SECONDS"])
        )
    return app


def _configure_logging() -> None:
    """Our INFO messages (state loaded, artifacts switched) on stderr beside gunicorn's."""
    ours = logging.getLogger("app")
    if not ours.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        ours.addHandler(handler)
        ours.setLevel(logging.INFO)


class Follower:
    """A daemon thread that starts the matcher and then applies the feed every interval."""

    def __init__(self, matcher: Matcher, interval: float) -> None:
        self.matcher = matcher
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="matching-follower", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                self.matcher.follow()
            except Exception:  # the database may be away for a moment: try again next tick
                logger.exception("following the change feed failed")
            if self._stop.wait(self.interval):
                return

    def stop(self, timeout: float = 30.0) -> None:
        """End the thread after its current step, and any artifact load it started (tests)."""
        self._stop.set()
        self._thread.join(timeout)
        self.matcher.wait(timeout)
