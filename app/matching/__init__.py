"""Matching engine: ranks capabilities for scenarios and back (pure library, no Flask)."""

from __future__ import annotations

import threading

from app.matching.rank import Matcher
from app.matching.text import Tokenizer
from app.matching.types import Listing, Match

__all__ = ["Listing", "Match", "Matcher", "Tokenizer", "default_matcher"]

_default: Matcher | None = None
_default_lock = threading.Lock()


def default_matcher() -> Matcher:
    """Return the process-wide Matcher built from the seed files (created once, lazily)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Matcher(Tokenizer())
    return _default
