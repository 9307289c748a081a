"""Cross-validated tuning of the engine's weights on a labelled dev set (`python -m tooling.matching tune`).

The dev set is small (tens of scenarios), so every choice is judged on queries it was not made
on. Scenarios are split into folds; a recipe picks weights on the other folds' queries (both
directions: s2c for those scenarios, c2s for the capabilities judged against them, ranked among
those scenarios only) and is scored on the held-out fold's queries. Folds are repeated with
fixed seeds. The figures printed are those held-out scores, for:

- defaults: the Weights defaults in weights.py (no tuning);
- tuned: a field-weight configuration chosen from FIELD_GRID, then the signal weights by
  coordinate ascent on nDCG@10 over SIGNAL_GRID;
- logistic: signal weights from a logistic regression on the pairs (learn.fit), negative
  coefficients cut to zero (for comparison only).

The tuned recipe is then run on every query; its weights are written only when its held-out
score beats the defaults' by MIN_GAIN, otherwise the defaults are written. Runs in well under
two minutes: each field configuration costs one index build per direction, signal weights are
searched on the stored signal matrices.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from app.matching.engine import Engine
from app.matching.index import SCORE_DIGITS, Index
from app.matching.learn import fit
from app.matching.types import Listing
from app.matching.weights import SIGNALS, Weights
from tooling.matching.metrics import K, transpose

# field weights: each combination costs an index build per direction
FIELD_GRID: dict[str, tuple[float, ...]] = {
    "title": (2.0, 3.0, 4.0),
    "tags": (1.0, 2.0, 3.0),
    "aside": (0.5, 0.75, 1.0),
    "boilerplate": (0.0, 0.25),
    "concept": (0.5, 1.0, 1.5),
}
SIGNAL_GRID = (0.0, 0.01, 0.02, 0.04, 0.06, 0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 1.0)
ASCENT_ROUNDS = 2
MIN_STEP = 0.002  # a coordinate step must raise the training objective by this much
MIN_GAIN = 0.005  # tuned weights replace the defaults only when they win held out by this
FOLDS = 5
SEEDS = (0, 1, 2, 3, 4)
DIRECTIONS = ("s2c", "c2s")


@dataclass(frozen=True)
class Direction:
    """Signals and grades of every (query, candidate) pair of one ranking direction."""

    signals: np.ndarray  # queries × candidates × len(SIGNALS)
    grades: np.ndarray  # queries × candidates
    local: np.ndarray  # candidates: 1 for a local organisation
    query_ids: tuple[str, ...]
    candidate_ids: tuple[str, ...]

    def select(self, queries: np.ndarray, candidates: np.ndarray | None = None) -> Direction:
        """The given queries (bool mask), optionally among the given candidates only."""
        cand = np.ones(len(self.candidate_ids), bool) if candidates is None else candidates
        sub = self.grades[queries][:, cand]
        keep = sub.max(axis=1, initial=0) > 0  # a query needs a judged item to be scored
        picked = np.flatnonzero(queries)[keep]
        return Direction(
            self.signals[picked][:, cand],
            sub[keep],
            self.local[cand],
            tuple(self.query_ids[i] for i in picked),
            tuple(c for c, k in zip(self.candidate_ids, cand, strict=True) if k),
        )


Data = dict[str, Direction]


# ---------------------------------------------------------------------------- scoring
def ndcg(scores: np.ndarray, grades: np.ndarray, k: int = K) -> np.ndarray:
    """nDCG@k per query, ranking as the engine does (rounded scores, ties in row order)."""
    if not len(grades):
        return np.zeros(0)
    order = np.argsort(-np.round(scores, SCORE_DIGITS), axis=1, kind="stable")[:, :k]
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    gains = np.take_along_axis(grades, order, axis=1)
    dcg = ((2.0**gains - 1) * discount[: gains.shape[1]]).sum(axis=1)
    ideal_gains = -np.sort(-grades, axis=1)[:, :k]
    ideal = ((2.0**ideal_gains - 1) * discount[: ideal_gains.shape[1]]).sum(axis=1)
    return np.divide(dcg, ideal, out=np.zeros_like(dcg), where=ideal > 0)


def signal_vector(weights: Weights) -> np.ndarray:
    """The normalised signal weights in SIGNALS order."""
    normalised = weights.signal_weights()
    return np.array([normalised[name] for name in SIGNALS])


def direction_ndcg(d: Direction, weights: Weights) -> np.ndarray:
    """nDCG@10 of each query of a direction under the weights' signal weights and local bonus."""
    base = d.signals @ signal_vector(weights)
    scores = np.clip(base * (1.0 + weights.local_bonus * d.local), 0.0, 1.0)
    return ndcg(scores, d.grades)


def objective(data: Data, weights: Weights) -> float:
    """The mean of the two directions' mean nDCG@10 (each direction counts equally)."""
    return float(np.mean([direction_ndcg(data[d], weights).mean() for d in DIRECTIONS]))


# ---------------------------------------------------------------------------- data
def build_data(
    engine: Engine,
    weights: Weights,
    scenarios: Sequence[Listing],
    capabilities: Sequence[Listing],
    qrels: Mapping[str, Mapping[str, int]],
) -> Data:
    """Signal matrices of both directions under the field weights of `weights`."""
    c2s_qrels = transpose(qrels)
    by_id = {c.id: c for c in capabilities}
    c2s_queries = [by_id[c] for c in sorted(c2s_qrels) if c in by_id]
    out: Data = {}
    plan = (
        ("s2c", scenarios, capabilities, qrels),
        ("c2s", c2s_queries, scenarios, c2s_qrels),
    )
    for name, queries, candidates, judged in plan:
        index = Index(weights, engine.synonyms)
        index.build((c.id, engine.features(c)) for c in candidates)
        index.fit_topics([engine.features(x) for x in (*candidates, *queries)])
        rows = np.arange(len(candidates))
        signals = (
            np.stack([index.signals(index.query(engine.features(q)), rows) for q in queries])
            if queries
            else np.zeros((0, len(candidates), len(SIGNALS)))
        )
        grades = np.array(
            [[judged.get(q.id, {}).get(c.id, 0) for c in candidates] for q in queries],
            dtype=np.float64,
        ).reshape(len(queries), len(candidates))
        out[name] = Direction(
            signals,
            grades,
            index.local.view()[rows].astype(np.float64),
            tuple(q.id for q in queries),
            tuple(c.id for c in candidates),
        )
    return out


def field_configs(base: Weights) -> list[Weights]:
    """Every combination of FIELD_GRID on top of base."""
    names = list(FIELD_GRID)
    return [
        replace(base, **dict(zip(names, values, strict=True)))
        for values in itertools.product(*(FIELD_GRID[n] for n in names))
    ]


def field_key(weights: Weights) -> tuple[float, ...]:
    return tuple(getattr(weights, n) for n in FIELD_GRID)


# ---------------------------------------------------------------------------- folds
@dataclass(frozen=True)
class Split:
    """One fold of a scenario split, as masks that apply to any configuration's data.

    s2c: the fold's scenarios are the test queries, the others train. c2s: training queries
    rank the other folds' scenarios only, judged on them; test queries are the capabilities
    judged against a fold scenario, ranking every scenario.
    """

    test_scenarios: np.ndarray  # over s2c queries
    train_candidates: np.ndarray  # over c2s candidates (scenarios)
    test_queries: np.ndarray  # over c2s queries

    def train(self, data: Data) -> Data:
        c2s = data["c2s"]
        return {
            "s2c": data["s2c"].select(~self.test_scenarios),
            "c2s": c2s.select(np.ones(len(c2s.query_ids), bool), self.train_candidates),
        }

    def test(self, data: Data) -> Data:
        return {
            "s2c": data["s2c"].select(self.test_scenarios),
            "c2s": data["c2s"].select(self.test_queries),
        }


def splits(data: Data, seeds: Sequence[int] | None = None, k: int | None = None) -> list[Split]:
    """k folds (default FOLDS) over the scenarios for each seed (default SEEDS)."""
    seeds = SEEDS if seeds is None else seeds
    k = FOLDS if k is None else k
    s2c, c2s = data["s2c"], data["c2s"]
    position = {s: i for i, s in enumerate(s2c.query_ids)}
    out = []
    for seed in seeds:
        order = np.random.default_rng(seed).permutation(len(s2c.query_ids))
        fold_of = np.empty(len(order), dtype=np.int64)
        fold_of[order] = np.arange(len(order)) % k
        c2s_fold = np.array([fold_of[position[s]] for s in c2s.candidate_ids], dtype=np.int64)
        for fold in range(min(k, len(order))):
            in_fold = c2s_fold == fold
            out.append(
                Split(
                    test_scenarios=fold_of == fold,
                    train_candidates=~in_fold,
                    test_queries=(c2s.grades[:, in_fold] > 0).any(axis=1),
                )
            )
    return out


Recipe = Callable[[Callable[[Data], Data]], Weights]  # (data -> its training part) -> weights


def cross_validate(
    configs: dict[tuple[float, ...], Data], folds: Sequence[Split], recipe: Recipe
) -> dict[str, float]:
    """Held-out mean nDCG@10 per direction of a recipe, over every fold's test queries."""
    scores: dict[str, list[np.ndarray]] = {d: [] for d in DIRECTIONS}
    for split in folds:
        weights = recipe(split.train)
        test = split.test(configs[field_key(weights)])
        for d in DIRECTIONS:
            scores[d].append(direction_ndcg(test[d], weights))
    return {d: float(np.concatenate(scores[d]).mean()) for d in DIRECTIONS}


# ---------------------------------------------------------------------------- recipes
def ascend(data: Data, start: Weights) -> Weights:
    """Coordinate ascent of the signal weights on the objective over SIGNAL_GRID."""
    best, best_value = start, objective(data, start)
    for _ in range(ASCENT_ROUNDS):
        moved = False
        for name, value in itertools.product(SIGNALS, SIGNAL_GRID):
            candidate = replace(best, **{name: value})
            if not any(getattr(candidate, s) > 0 for s in SIGNALS):
                continue
            score = objective(data, candidate)
            if score > best_value + MIN_STEP:
                best, best_value, moved = candidate, score, True
        if not moved:
            break
    return best


def tuned_recipe(configs: dict[tuple[float, ...], Data], base: Weights) -> Recipe:
    """Pick the field configuration with the best training objective, then ascend."""

    def recipe(train_of: Callable[[Data], Data]) -> Weights:
        trained = {key: train_of(data) for key, data in configs.items()}
        scored = [
            (objective(trained[field_key(w)], w), -_distance(w, base), w)
            for w in field_configs(base)
        ]
        _value, _closeness, chosen = max(scored, key=lambda t: (t[0], t[1]))
        return ascend(trained[field_key(chosen)], chosen)

    return recipe


def _distance(a: Weights, b: Weights) -> float:
    """How far two weight sets are apart (ties prefer the configuration nearer the defaults)."""
    return sum(abs(getattr(a, n) - getattr(b, n)) for n in FIELD_GRID)


def logistic_recipe(configs: dict[tuple[float, ...], Data], base: Weights) -> Recipe:
    """Signal weights from a logistic regression on the default configuration's pairs."""
    key = field_key(base)

    def recipe(train_of: Callable[[Data], Data]) -> Weights:
        data = train_of(configs[key])
        x = np.concatenate([data[d].signals.reshape(-1, len(SIGNALS)) for d in DIRECTIONS])
        y = np.concatenate([(data[d].grades.reshape(-1) > 0).astype(int) for d in DIRECTIONS])
        coef, _intercept = fit(x, y)
        clipped = {name: max(c, 0.0) for name, c in zip(SIGNALS, coef, strict=True)}
        if not any(clipped.values()):
            return base
        return replace(base, **clipped)

    return recipe


def defaults_recipe(base: Weights) -> Recipe:
    """No tuning: the base weights whatever the data."""
    return lambda _train_of: base


# ---------------------------------------------------------------------------- the command
@dataclass(frozen=True)
class TuneResult:
    """Held-out figures of each recipe, the chosen weights and why."""

    figures: dict[str, dict[str, float]]
    full: dict[str, dict[str, float]]  # every query, no hold-out (optimistic for tuned)
    chosen: Weights
    use_tuned: bool
    seconds: float


def tune(
    engine: Engine,
    scenarios: Sequence[Listing],
    capabilities: Sequence[Listing],
    qrels: Mapping[str, Mapping[str, int]],
    base: Weights | None = None,
    seeds: Sequence[int] | None = None,
) -> TuneResult:
    """Cross-validate the recipes and choose the weights to write."""
    started = time.perf_counter()
    base = base if base is not None else Weights()
    grid = field_configs(base)
    if field_key(base) not in {field_key(w) for w in grid}:
        grid.append(base)
    configs = {field_key(w): build_data(engine, w, scenarios, capabilities, qrels) for w in grid}
    recipes = {
        "defaults": defaults_recipe(base),
        "tuned": tuned_recipe(configs, base),
        "logistic": logistic_recipe(configs, base),
    }
    folds = splits(configs[field_key(base)], seeds)
    figures = {name: cross_validate(configs, folds, recipe) for name, recipe in recipes.items()}
    final = {name: recipe(lambda data: data) for name, recipe in recipes.items()}
    full = {
        name: {d: float(direction_ndcg(configs[field_key(w)][d], w).mean()) for d in DIRECTIONS}
        for name, w in final.items()
    }
    gain = np.mean(list(figures["tuned"].values())) - np.mean(list(figures["defaults"].values()))
    use_tuned = bool(gain >= MIN_GAIN)
    chosen = final["tuned"] if use_tuned else base
    return TuneResult(figures, full, chosen, use_tuned, time.perf_counter() - started)


def weights_json(result: TuneResult, data_dir: Path) -> dict[str, Any]:
    """The weights file: every weight plus a _comment on how it was made."""
    held = result.figures
    how = (
        "tuned weights (they beat the defaults held out)"
        if result.use_tuned
        else f"the defaults (tuning did not beat them held out by {MIN_GAIN})"
    )
    comment = (
        f"Written by `python -m tooling.matching tune --data {data_dir.name}`: {how}. "
        f"Held-out nDCG@10 over {len(SEEDS)}x{FOLDS}-fold scenario splits, s2c/c2s: "
        + "; ".join(f"{name} {held[name]['s2c']:.4f}/{held[name]['c2s']:.4f}" for name in held)
        + "."
    )
    values = {f.name: getattr(result.chosen, f.name) for f in fields(Weights)}
    return {"_comment": comment, **{k: _tidy(v) for k, v in values.items()}}


def _tidy(value: Any) -> Any:
    return round(value, 4) if isinstance(value, float) else value


def format_report(result: TuneResult) -> str:
    """The table the command prints."""
    lines = [
        f"{'recipe':<10}{'held-out s2c':>14}{'c2s':>8}{'mean':>8}{'all-queries s2c':>18}{'c2s':>8}",
        "-" * 66,
    ]
    for name, figures in result.figures.items():
        full = result.full[name]
        lines.append(
            f"{name:<10}{figures['s2c']:>14.4f}{figures['c2s']:>8.4f}"
            f"{np.mean(list(figures.values())):>8.4f}{full['s2c']:>18.4f}{full['c2s']:>8.4f}"
        )
    chosen = result.chosen
    lines.append("")
    lines.append(
        ("chosen: tuned weights" if result.use_tuned else "chosen: the defaults")
        + f" ({result.seconds:.1f} s)"
    )
    lines.append(
        "  " + ", ".join(f"{f.name}={_tidy(getattr(chosen, f.name))}" for f in fields(Weights))
    )
    return "\n".join(lines) + "\n"
