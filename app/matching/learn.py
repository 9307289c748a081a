"""A learned re-ranker over the engine's stage-2 signals, and the rule that decides to use it.

Administrators approve or reject the engine's recommendations. Each decision is an Example:
the signals the engine computed for that pair (in the order of weights.SIGNALS), the query it
belongs to (its group) and the label (1 approved, 0 rejected). `train_and_decide` fits a
logistic regression on part of the queries, compares it on the held-out queries with the
engine's own weighted sum, and recommends the model only when it ranks better by a margin.

The model is plain numbers (coefficients over named signals) and serialises to JSON; its
scorer plugs into the engine: `Engine(scorer=model.scorer())`. scikit-learn is imported only
where a model is fitted or evaluated, so serving a model (and importing this module) does not
load it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.matching.weights import SIGNALS, Weights

MODEL_VERSION = "logreg-1"
MAP_MARGIN = 0.02  # the learned model must beat the base ranking by this much (mean AP)
AUC_MARGIN = 0.0  # … and be at least this much better by ROC AUC
REGULARISATION = 1.0  # scikit-learn's C on standardised signals
SPLIT_TRIES = 50  # random group splits tried until both parts hold both labels
REPEATS = 5  # held-out splits averaged for the decision (one split is a noisy judge)


@dataclass(frozen=True)
class Example:
    """One reviewed pair: its query (group), the engine's signals and the reviewer's label."""

    group: str
    signals: tuple[float, ...]  # in the order of weights.SIGNALS
    label: int  # 1 approve, 0 reject


@dataclass(frozen=True)
class RerankerModel:
    """A logistic model over named signals: score = sigmoid(signals · coef + intercept)."""

    version: str
    features: tuple[str, ...]
    coef: tuple[float, ...]
    intercept: float
    trained_on: int  # examples the coefficients were fitted on
    metrics: dict[str, float] = field(default_factory=dict)  # held-out figures of the recipe

    def __post_init__(self) -> None:
        if len(self.features) != len(self.coef):
            raise ValueError("features and coef must have the same length")
        unknown = [name for name in self.features if name not in SIGNALS]
        if unknown:
            raise ValueError(f"unknown signal names: {', '.join(unknown)}")

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "version": self.version,
            "features": list(self.features),
            "coef": [float(c) for c in self.coef],
            "intercept": float(self.intercept),
            "trained_on": int(self.trained_on),
            "metrics": {k: float(v) for k, v in self.metrics.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RerankerModel:
        """Rebuild from to_json() output; raises ValueError on a malformed or foreign model."""
        try:
            if data["version"] != MODEL_VERSION:
                raise ValueError(f"model version {data['version']!r}, need {MODEL_VERSION!r}")
            coef = tuple(float(c) for c in data["coef"])
            if not all(math.isfinite(c) for c in coef) or not math.isfinite(data["intercept"]):
                raise ValueError("coefficients must be finite numbers")
            return cls(
                version=str(data["version"]),
                features=tuple(str(f) for f in data["features"]),
                coef=coef,
                intercept=float(data["intercept"]),
                trained_on=int(data["trained_on"]),
                metrics={str(k): float(v) for k, v in data.get("metrics", {}).items()},
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"malformed re-ranker model: {exc!r}") from exc

    def scorer(self) -> Callable[[np.ndarray], np.ndarray]:
        """The engine's Scorer: an n × len(SIGNALS) signal matrix -> n scores in [0, 1]."""
        columns = np.array([SIGNALS.index(name) for name in self.features], dtype=np.int64)
        coef = np.asarray(self.coef, dtype=np.float64)
        intercept = float(self.intercept)

        def score(signals: np.ndarray) -> np.ndarray:
            matrix = np.asarray(signals, dtype=np.float64).reshape(-1, len(SIGNALS))
            return _sigmoid(matrix[:, columns] @ coef + intercept)

        return score


@dataclass(frozen=True)
class Decision:
    """The outcome of training: the model (if one could be fitted), both figures, the verdict."""

    model: RerankerModel | None
    base: dict[str, float]  # held-out figures of the engine's weighted sum
    learned: dict[str, float]  # held-out figures of the learned model
    activate: bool
    reason: str


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # = 1 / (1 + e^-z), without overflow


def base_scores(signals: np.ndarray, weights: Weights) -> np.ndarray:
    """The engine's own score of each row (the weighted sum, before the local bonus)."""
    normalised = weights.signal_weights()
    scores: np.ndarray = signals @ np.array([normalised[name] for name in SIGNALS])
    return scores


def fit(
    signals: np.ndarray, labels: np.ndarray, c: float = REGULARISATION
) -> tuple[tuple[float, ...], float]:
    """Logistic regression on standardised signals, folded back to raw-signal coefficients."""
    from sklearn.linear_model import LogisticRegression

    mean = signals.mean(axis=0)
    scale = signals.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=1000)
    model.fit((signals - mean) / scale, labels)
    coef = model.coef_[0] / scale
    intercept = float(model.intercept_[0] - np.dot(coef, mean))
    return tuple(float(x) for x in coef), intercept


def mean_average_precision(scores: np.ndarray, labels: np.ndarray, groups: np.ndarray) -> float:
    """Mean over groups with an approval of the average precision of approvals by score.

    Ties are ranked pessimistically (a rejection sharing a score ranks first), so a constant
    score earns no credit.
    """
    values = []
    for group in np.unique(groups):
        mask = groups == group
        y, s = labels[mask], scores[mask]
        if not y.any():
            continue
        order = np.lexsort((y, -s))  # by score, rejections first among equal scores
        hits = y[order]
        precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
        values.append(float(precision[hits == 1].mean()))
    return float(np.mean(values)) if values else 0.0


def _figures(scores: np.ndarray, labels: np.ndarray, groups: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import roc_auc_score

    return {
        "auc": float(roc_auc_score(labels, scores)),
        "map": mean_average_precision(scores, labels, groups),
    }


def split_groups(
    groups: np.ndarray, labels: np.ndarray, holdout: float, rng: np.random.Generator
) -> np.ndarray | None:
    """A held-out mask over whole groups in which both parts hold both labels, or None."""
    names = np.unique(groups)
    n_test = min(max(1, round(holdout * len(names))), len(names) - 1)
    for _ in range(SPLIT_TRIES):
        test = np.isin(groups, rng.permutation(names)[:n_test])
        if len(set(labels[test].tolist())) == 2 and len(set(labels[~test].tolist())) == 2:
            return test
    return None


def _refusal(examples: Sequence[Example], min_examples: int) -> str | None:
    """Why the examples cannot train a model (too few, or malformed), or None."""
    if len(examples) < min_examples:
        return f"too few examples: {len(examples)} < {min_examples}"
    bad = [e for e in examples if len(e.signals) != len(SIGNALS) or e.label not in (0, 1)]
    if bad:
        return f"{len(bad)} examples lack {len(SIGNALS)} signals or a 0/1 label"
    return None


def _label_refusal(labels: np.ndarray, groups: np.ndarray) -> str | None:
    """Why the labels and queries leave nothing to learn or to hold out, or None."""
    if len(set(labels.tolist())) < 2:
        kind = "approvals" if labels[0] == 1 else "rejections"
        return f"only {kind}: a model needs both labels"
    if len(np.unique(groups)) < 2:
        return "a single query: nothing to hold out"
    return None


def _held_out_figures(
    signals: np.ndarray,
    labels: np.ndarray,
    groups: np.ndarray,
    tests: Sequence[np.ndarray],
    base_weights: Weights,
) -> tuple[dict[str, float], dict[str, float]]:
    """The base score's and the learned model's figures on the held-out parts, averaged."""
    base_runs, learned_runs = [], []
    for test in tests:
        coef, intercept = fit(signals[~test], labels[~test])
        learned_scores = signals[test] @ np.asarray(coef) + intercept
        base_scores_ = base_scores(signals[test], base_weights)
        base_runs.append(_figures(base_scores_, labels[test], groups[test]))
        learned_runs.append(_figures(learned_scores, labels[test], groups[test]))
    base = {k: float(np.mean([r[k] for r in base_runs])) for k in base_runs[0]}
    learned = {k: float(np.mean([r[k] for r in learned_runs])) for k in learned_runs[0]}
    return base, learned


def _verdict(
    base: dict[str, float], learned: dict[str, float], splits: int, held_out: int
) -> tuple[bool, str]:
    """Whether the learned model wins by both margins, and the sentence that says so."""
    gain_map = learned["map"] - base["map"]
    gain_auc = learned["auc"] - base["auc"]
    activate = gain_map >= MAP_MARGIN and gain_auc >= AUC_MARGIN
    reason = (
        f"{splits} splits holding out {held_out} queries each: MAP {learned['map']:.3f} vs "
        f"{base['map']:.3f} ({gain_map:+.3f}), AUC {learned['auc']:.3f} vs {base['auc']:.3f} "
        f"({gain_auc:+.3f}); "
        + ("the learned model ranks better" if activate else "not better by the margin")
    )
    return activate, reason


def _final_model(
    signals: np.ndarray, labels: np.ndarray, base: dict[str, float], learned: dict[str, float]
) -> RerankerModel:
    """The model refitted on every example, carrying the held-out figures it was judged by."""
    coef_all, intercept_all = fit(signals, labels)
    return RerankerModel(
        version=MODEL_VERSION,
        features=SIGNALS,
        coef=coef_all,
        intercept=intercept_all,
        trained_on=len(labels),
        metrics={f"heldout_{k}": v for k, v in learned.items()}
        | {f"base_{k}": v for k, v in base.items()},
    )


def train_and_decide(
    examples: Sequence[Example],
    base_weights: Weights,
    holdout: float = 0.3,
    seed: int = 0,
    min_examples: int = 20,
) -> Decision:
    """Fit a re-ranker on reviewed pairs and decide whether it should replace the weighted sum.

    Queries (groups) are split so that none is in both parts; the model is fitted on one part
    and judged on the other against the base score by ROC AUC and mean average precision of
    approvals per query. The figures are averaged over REPEATS such splits (fixed by seed).
    The model is recommended (activate=True) only when it wins by MAP_MARGIN and AUC_MARGIN.
    The returned model is then refitted on every example with the same recipe.
    """
    refusal = _refusal(examples, min_examples)
    if refusal:
        return Decision(None, {}, {}, False, refusal)
    signals = np.array([e.signals for e in examples], dtype=np.float64)
    labels = np.array([e.label for e in examples], dtype=np.int64)
    groups = np.array([e.group for e in examples])
    refusal = _label_refusal(labels, groups)
    if refusal:
        return Decision(None, {}, {}, False, refusal)
    rng = np.random.default_rng(seed)
    splits = [split_groups(groups, labels, holdout, rng) for _ in range(REPEATS)]
    tests = [t for t in splits if t is not None]
    if not tests:
        return Decision(None, {}, {}, False, "no split by query leaves both labels on both sides")
    base, learned = _held_out_figures(signals, labels, groups, tests, base_weights)
    activate, reason = _verdict(base, learned, len(tests), len(np.unique(groups[tests[0]])))
    return Decision(_final_model(signals, labels, base, learned), base, learned, activate, reason)
