"""Matching engine: ranks capabilities for scenarios and back (pure library, no Flask)."""

from __future__ import annotations

import threading

from app.matching.engine import Engine, Matcher
from app.matching.features import Features
from app.matching.index import Index
from app.matching.text import Tokenizer
from app.matching.types import Bridge, Explanation, Filters, Listing, Match
from app.matching.weights import Weights

__all__ = [
    "Bridge",
    "Engine",
    "Explanation",
    "Features",
    "Filters",
    "Index",
    "Listing",
    "Match",
    "Matcher",
    "Tokenizer",
    "Weights",
    "default_engine",
    "default_matcher",
]

_default: Engine | None = None
_default_lock = threading.Lock()


def default_engine() -> Engine:
    """The process-wide engine built from the seed files (created once, lazily)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Engine()
    return _default


default_matcher = default_engine
