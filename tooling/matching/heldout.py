"""Cross-validated, held-out figures of `evaluate`: folds by scenario, nothing chosen on the
queries it is scored on.

Every system ranks every query once (no labels are used to rank: IDF, the topic space and
the specificity tables are unsupervised). The scenarios are split into FOLDS folds (seeded,
deterministic). For each fold, anything chosen from labels is chosen on the other folds:

- *engine (CV-selected)*: the engine configuration (a small grid over the specificity
  strength, phrase terms and the weight of what a scenario already has) with the best mean
  nDCG@10 of both directions on the training folds;
- the calibration of each direction (calibration.fit_directions) on the training folds'
  pairs of that direction (c2s: without pairs with a fold scenario), then applied to the
  held-out fold's pairs of that direction.

Held-out s2c queries are the fold's scenarios; held-out c2s queries are the capabilities
judged against a fold scenario (ranking every scenario). A fixed system (the engine's
shipped weights, the baselines) has held-out figures equal to its all-query figures.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass, field

from app.matching.calibration import Calibration, expected_calibration_error, fit_directions
from app.matching.types import Listing, Match
from tooling.matching.metrics import mrr_at_k, ndcg_at_k, recall_at_k, transpose

FOLDS = 5
SEED = 0
DEPTH = 30  # candidates ranked per query
RELEVANT = 2  # Recall and MRR count grade ≥ 2, as the dev set's README says
PAIR_RELEVANT = 1  # calibration: a pair is relevant at grade ≥ 1

Ranker = Callable[[Sequence[Listing], Sequence[Listing], int], list[list[Match]]]
Ranked = dict[str, list[Match]]  # query id -> its ranking


@dataclass
class Run:
    """A system's rankings of every query of both directions, and the labels."""

    s2c: Ranked
    c2s: Ranked
    qrels: dict[str, dict[str, int]]
    c2s_qrels: dict[str, dict[str, int]]

    def ranked(self, direction: str) -> Ranked:
        return self.s2c if direction == "s2c" else self.c2s

    def judged(self, direction: str) -> dict[str, dict[str, int]]:
        return self.qrels if direction == "s2c" else self.c2s_qrels


@dataclass
class Figures:
    """Held-out means of one direction, the worst query, and the calibration."""

    ndcg: list[float] = field(default_factory=list)
    recall: list[float] = field(default_factory=list)
    mrr: list[float] = field(default_factory=list)
    probabilities: list[float] = field(default_factory=list)
    labels: list[bool] = field(default_factory=list)

    @staticmethod
    def _mean(values: Sequence[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    def summary(self, threshold: float) -> dict[str, float]:
        """Means, the worst query's and the bottom quarter's nDCG, ECE, precision ≥ threshold."""
        low = sorted(self.ndcg)[: max(1, len(self.ndcg) // 4)]
        queued = [y for p, y in zip(self.probabilities, self.labels, strict=True) if p >= threshold]
        return {
            "ndcg": self._mean(self.ndcg),
            "recall": self._mean(self.recall),
            "mrr": self._mean(self.mrr),
            "worst": min(self.ndcg, default=0.0),
            "low": self._mean(low),
            "queries": float(len(self.ndcg)),
            "ece": expected_calibration_error(self.probabilities, self.labels),
            "precision": self._mean([float(y) for y in queued]),
            "queued": float(len(queued)),
        }


def run_system(
    ranker: Ranker,
    scenarios: Sequence[Listing],
    capabilities: Sequence[Listing],
    qrels: Mapping[str, Mapping[str, int]],
    depth: int = DEPTH,
) -> Run:
    """Rank every scenario against the catalogue and every judged capability against the
    scenarios."""
    s2c_qrels = {s.id: dict(qrels.get(s.id, {})) for s in scenarios}
    c2s_qrels = transpose(s2c_qrels)
    by_id = {c.id: c for c in capabilities}
    c2s_queries = [by_id[c] for c in sorted(c2s_qrels) if c in by_id]
    s2c = ranker(scenarios, capabilities, depth)
    c2s = ranker(c2s_queries, scenarios, depth)
    return Run(
        s2c={q.id: list(ms) for q, ms in zip(scenarios, s2c, strict=True)},
        c2s={q.id: list(ms) for q, ms in zip(c2s_queries, c2s, strict=True)},
        qrels=s2c_qrels,
        c2s_qrels={c: j for c, j in c2s_qrels.items() if c in by_id},
    )


def folds(scenario_ids: Sequence[str], k: int = FOLDS, seed: int = SEED) -> list[set[str]]:
    """k folds of the scenarios (a seeded shuffle, then round robin)."""
    order = sorted(scenario_ids)
    random.Random(seed).shuffle(order)  # noqa: S311 -- a reproducible split, not a secret
    return [set(order[i::k]) for i in range(min(k, len(order)))]


def test_queries(run: Run, direction: str, fold: set[str]) -> list[str]:
    """The held-out queries of a fold: its scenarios, or capabilities judged against them."""
    if direction == "s2c":
        return [q for q in run.s2c if q in fold and any(run.qrels[q].values())]
    return [c for c, judged in run.c2s_qrels.items() if any(s in fold for s in judged)]


def train_queries(run: Run, direction: str, fold: set[str]) -> list[str]:
    """Queries whose labels say nothing about the fold's scenarios."""
    if direction == "s2c":
        return [q for q in run.s2c if q not in fold and any(run.qrels[q].values())]
    return [c for c, judged in run.c2s_qrels.items() if not any(s in fold for s in judged)]


def query_ndcg(run: Run, direction: str, query: str, k: int) -> float:
    ids = [m.id for m in run.ranked(direction)[query]]
    return ndcg_at_k(ids, run.judged(direction)[query], k)


def choose(runs: Mapping[str, Run], fold: set[str], k: int) -> str:
    """The configuration with the best mean training nDCG of both directions (first on ties)."""
    best, best_value = "", -1.0
    for name, run in runs.items():
        value = 0.0
        for direction in ("s2c", "c2s"):
            queries = train_queries(run, direction, fold)
            value += sum(query_ndcg(run, direction, q, k) for q in queries) / max(len(queries), 1)
        if value > best_value + 1e-12:
            best, best_value = name, value
    return best


def pairs(
    run: Run, direction: str, queries: Sequence[str], k: int, skip: Set[str] = frozenset()
) -> tuple[list[float], list[bool]]:
    """(score, relevant) of the top k pairs of the given queries, but those with skipped ids."""
    scores, labels = [], []
    for q in queries:
        judged = run.judged(direction)[q]
        for m in run.ranked(direction)[q][:k]:
            if m.id in skip:
                continue
            scores.append(m.score)
            labels.append(judged.get(m.id, 0) >= PAIR_RELEVANT)
    return scores, labels


def cross_validate(
    runs: Mapping[str, Run], k: int = 10, n_folds: int = FOLDS, select: bool = True
) -> tuple[dict[str, Figures], list[str]]:
    """Held-out figures per direction; with select, the configuration is chosen per fold
    (else `runs` must hold one). Returns the figures and the configuration of each fold."""
    first = next(iter(runs.values()))
    out = {"s2c": Figures(), "c2s": Figures()}
    chosen = []
    for fold in folds(list(first.s2c), n_folds):
        name = choose(runs, fold, k) if select else next(iter(runs))
        chosen.append(name)
        run = runs[name]
        calibration = fit_directions(  # each direction's curve on its own training pairs
            pairs(run, "s2c", train_queries(run, "s2c", fold), k),
            pairs(run, "c2s", train_queries(run, "c2s", fold), k, skip=fold),
            source="cv",
        )
        for direction in ("s2c", "c2s"):
            add_fold(out[direction], run, direction, test_queries(run, direction, fold), k)
            _calibrate(out[direction], run, direction, fold, calibration, k)
    return out, chosen


def add_fold(figures: Figures, run: Run, direction: str, queries: Sequence[str], k: int) -> None:
    """The ranking metrics of held-out queries."""
    for q in queries:
        ids = [m.id for m in run.ranked(direction)[q]]
        judged = run.judged(direction)[q]
        figures.ndcg.append(ndcg_at_k(ids, judged, k))
        if any(g >= RELEVANT for g in judged.values()):
            figures.recall.append(recall_at_k(ids, judged, k, RELEVANT))
            figures.mrr.append(mrr_at_k(ids, judged, k, RELEVANT))


def _calibrate(
    figures: Figures, run: Run, direction: str, fold: set[str], cal: Calibration, k: int
) -> None:
    """Held-out pairs of the top k, their estimated probabilities and labels (c2s: only the
    pairs with a fold scenario)."""
    for q in test_queries(run, direction, fold):
        judged = run.judged(direction)[q]
        for m in run.ranked(direction)[q][:k]:
            if direction == "c2s" and m.id not in fold:
                continue
            figures.probabilities.append(cal.probability(m.score, direction))
            figures.labels.append(judged.get(m.id, 0) >= PAIR_RELEVANT)
