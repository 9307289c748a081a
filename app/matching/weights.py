"""The engine's weights: field weights, signal weights and the local preference (seed data)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from app.matching.text import SEED_DIR

DEFAULT_WEIGHTS_PATH = SEED_DIR / "weights.json"
SIGNALS = ("word", "char", "domain", "tag", "district", "topic")


@dataclass(frozen=True, slots=True)
class Weights:
    """How fields and signals count. Signal weights are normalised to sum to 1 when scoring."""

    # field weights inside the word and character vectors
    title: float = 3.0
    tags: float = 2.0
    body: float = 1.0
    # a query's clauses saying what is wanted (希望…), relative to its body; documents weigh
    # them as body (features.py: `need`)
    need: float = 4.0
    aside: float = 1.0  # clauses about systems that exist or must be connected (features.py)
    boilerplate: float = 0.0  # clauses where a firm describes itself (features.py)
    concept: float = 1.0  # a synonym concept token, relative to the word it expands
    # an adjacent word pair (phrase term), relative to its field; 0 leaves phrases out (no
    # held-out gain in either direction, and a larger vocabulary to serve: docs/matching.md)
    phrase: float = 0.0
    # how much a word's background specificity (jieba's frequency dictionary) scales its
    # weight: 0 not at all, 1 fully (specificity.BackgroundFactor)
    background: float = 1.0
    # the background counts as this many listings: an index of n listings uses
    # background × prior / (prior + n); 0 uses `background` whatever the size
    background_prior: float = 100.0
    # signal weights
    word: float = 0.70
    char: float = 0.20
    domain: float = 0.06
    tag: float = 0.02
    district: float = 0.02
    # LSA cosine over both sides' corpora (topics.py); left out when no topic space is fitted
    topic: float = 0.14
    # multiplies the score of a local organisation by (1 + local_bonus): reorders near-ties only
    local_bonus: float = 0.03
    # stage 1 keeps this many candidates by word score before every signal is computed
    pool: int = 300

    def signal_weights(self) -> dict[str, float]:
        """Signal weights, normalised to sum to 1."""
        raw = {name: max(getattr(self, name), 0.0) for name in SIGNALS}
        total = sum(raw.values()) or 1.0
        return {name: value / total for name, value in raw.items()}

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Weights:
        """Known keys override the defaults; unknown keys are refused."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known - {"_comment"}
        if unknown:
            raise ValueError(f"unknown weight names: {', '.join(sorted(unknown))}")
        return replace(cls(), **{k: v for k, v in data.items() if k in known})


def load_weights(path: Path | None = DEFAULT_WEIGHTS_PATH) -> Weights:
    """Weights from a JSON file; the defaults when the file is absent."""
    if path is None or not path.exists():
        return Weights()
    return Weights.from_json(json.loads(path.read_text(encoding="utf-8")))
