"""Engine changes built in the matching process: one build at a time, in a thread."""

from __future__ import annotations

import logging
import threading
from typing import Any

logger = logging.getLogger(__name__)


class Builds:
    """Runs maintenance.build_and_publish in a thread; a request arriving during a build runs
    one more build after it (that one reads what the request's transaction committed)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._running = False
        self._again: bool | None = None  # a build asked for while one runs (its refeaturize)
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """Whether a build is under way."""
        return self._running

    def request(self, refeaturize: bool) -> None:
        """Build soon: now if idle, else right after the current build."""
        with self._lock:
            if self._running:
                self._again = bool(self._again) or refeaturize
                return
            self._running = True
        self._thread = threading.Thread(
            target=self._run, args=(refeaturize,), name="matching-build", daemon=True
        )
        self._thread.start()

    def _run(self, refeaturize: bool) -> None:
        from app.recommendations.maintenance import build_and_publish

        while True:
            with self.app.app_context():
                try:
                    build_and_publish(self.app, refeaturize)
                except Exception:  # logged; the state served so far stays served
                    logger.exception("matching build failed")
            with self._lock:
                if self._again is None:
                    self._running = False
                    return
                refeaturize, self._again = self._again, None

    def wait(self, timeout: float = 60.0) -> None:
        """Block until the current build (and any queued after it) ends (tests)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
