"""What one web process holds for matching: a tokenizer for listings being saved, and the
client of the matcher chosen by configuration.

- `engine()`: the engine of the current vocabulary, used to tokenise a listing when it is
  saved (and the query listing of a recommendation). It is rebuilt when administrators change
  the dictionary or the synonym groups; whether they did is checked at most every
  MATCHING_VOCABULARY_CHECK_SECONDS (one small query), and at once in the process that made
  the change. No re-ranker is loaded here: scikit-learn stays out of the web tier.
- `client()`: with MATCHING_URL, the machine's matching process over HTTP; without it, a
  matcher in this process following the same change feed (app/recommendations/matcher.py).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.extensions import db
from app.matching import Engine
from app.recommendations.client import HttpMatching, LocalMatching, MatchingClient
from app.recommendations.matcher import Matcher
from app.recommendations.state import ENGINES, SIDES, Progress, Served, read_vocabulary

__all__ = ["SIDES", "LiveMatching", "Progress", "live"]


class LiveMatching:
    """The matching side of one app instance (stored in app.extensions["matching"])."""

    def __init__(self, app: Any) -> None:
        self.seed_dir: Path = app.config["SEED_DIR"] / "matching"
        self._config = app.config
        self._engine: Engine | None = None
        self._checked_at = float("-inf")
        self._matcher: Matcher | None = None
        self._client: MatchingClient | None = None
        self._lock = threading.RLock()

    def engine(self) -> Engine:
        """The engine for the current vocabulary (for tokenising listings)."""
        with self._lock:
            interval = float(self._config["MATCHING_VOCABULARY_CHECK_SECONDS"])
            now = time.monotonic()
            if self._engine is None or now - self._checked_at >= interval:
                with Session(db.engine) as session:
                    vocabulary = read_vocabulary(session, with_model=False)
                self._engine = ENGINES.get(self.seed_dir, vocabulary)
                self._checked_at = now
            return self._engine

    def invalidate(self) -> None:
        """Read the vocabulary again on the next use (this process just changed it)."""
        with self._lock:
            self._checked_at = float("-inf")

    def client(self) -> MatchingClient:
        """The configured matcher: the matching process (MATCHING_URL) or this process."""
        with self._lock:
            if self._client is None:
                url = self._config.get("MATCHING_URL") or ""
                if url:
                    self._client = HttpMatching(url, float(self._config["MATCHING_TIMEOUT"]))
                else:
                    self._client = LocalMatching(self.matcher())
            return self._client

    def matcher(self) -> Matcher:
        """The in-process matcher (embedded mode, and builds run in this process)."""
        with self._lock:
            if self._matcher is None:
                self._matcher = Matcher(
                    db.engine,
                    self.seed_dir,
                    self._config["SECRET_KEY"],
                    keep_days=int(self._config["MATCHING_FEED_DAYS"]),
                )
            return self._matcher

    def serving_matcher(self) -> Matcher | None:
        """The in-process matcher if this process created one (it then takes new builds)."""
        return self._matcher

    def current(self) -> Served:
        """The in-process matcher's state after following the feed (embedded mode)."""
        return self.matcher().current()

    def reset(self) -> None:
        """Forget the served state (tests wipe the database between cases)."""
        with self._lock:
            if self._matcher is not None:
                self._matcher.reset()
            self._checked_at = float("-inf")


def live(app: Any) -> LiveMatching:
    """The app's matching side, created on first use."""
    state = app.extensions.get("matching")
    if state is None:
        with _CREATE:
            state = app.extensions.get("matching")
            if state is None:
                state = app.extensions["matching"] = LiveMatching(app)
    return state


_CREATE = threading.Lock()
