"""Ranking metrics of the dev set: nDCG@k, Recall@k and MRR@k, averaged as its README says."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

K = 10
RELEVANT = 2


@dataclass(frozen=True, slots=True)
class Scores:
    """Mean metrics of one run and the number of queries each mean is over."""

    ndcg: float
    recall: float
    mrr: float
    queries: int
    relevant_queries: int


def clean_ranking(ranked: Sequence[str], known: Collection[str] | None = None) -> list[str]:
    """Drop unknown ids (when known is given) and repeats after the first occurrence."""
    seen: set[str] = set()
    kept = []
    for item in ranked:
        if item in seen or (known is not None and item not in known):
            continue
        seen.add(item)
        kept.append(item)
    return kept


def dcg(grades: Sequence[int]) -> float:
    """Return the DCG of grades in rank order: sum of (2^g − 1) / log2(rank + 1)."""
    return sum((2**g - 1) / math.log2(rank + 1) for rank, g in enumerate(grades, start=1))


def ndcg_at_k(ranked: Sequence[str], judged: Mapping[str, int], k: int = K) -> float:
    """Return nDCG@k with the ideal DCG taken from all judged items of the query."""
    ideal = dcg(sorted(judged.values(), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg([judged.get(item, 0) for item in ranked[:k]]) / ideal


def recall_at_k(
    ranked: Sequence[str], judged: Mapping[str, int], k: int = K, threshold: int = RELEVANT
) -> float:
    """Return the share of items graded ≥ threshold that appear in the top k."""
    relevant = {item for item, grade in judged.items() if grade >= threshold}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranked[:k])) / len(relevant)


def mrr_at_k(
    ranked: Sequence[str], judged: Mapping[str, int], k: int = K, threshold: int = RELEVANT
) -> float:
    """Return 1 / rank of the first item graded ≥ threshold within the top k, else 0."""
    for rank, item in enumerate(ranked[:k], start=1):
        if judged.get(item, 0) >= threshold:
            return 1.0 / rank
    return 0.0


def _mean(values: Sequence[float]) -> float:
    """Return the arithmetic mean, 0 for no values."""
    return sum(values) / len(values) if values else 0.0


def evaluate_run(
    run: Mapping[str, Sequence[str]],
    qrels: Mapping[str, Mapping[str, int]],
    k: int = K,
    threshold: int = RELEVANT,
    known: Collection[str] | None = None,
) -> Scores:
    """Score a run (query id → ranked ids); a query missing from the run scores 0."""
    labelled = {q: judged for q, judged in qrels.items() if any(g > 0 for g in judged.values())}
    rankings = {q: clean_ranking(run.get(q, ()), known) for q in labelled}
    with_relevant = [
        q for q, judged in labelled.items() if any(g >= threshold for g in judged.values())
    ]
    return Scores(
        ndcg=_mean([ndcg_at_k(rankings[q], labelled[q], k) for q in labelled]),
        recall=_mean([recall_at_k(rankings[q], labelled[q], k, threshold) for q in with_relevant]),
        mrr=_mean([mrr_at_k(rankings[q], labelled[q], k, threshold) for q in with_relevant]),
        queries=len(labelled),
        relevant_queries=len(with_relevant),
    )


def transpose(qrels: Mapping[str, Mapping[str, int]]) -> dict[str, dict[str, int]]:
    """Swap query and item ids (s2c judgements → c2s judgements)."""
    swapped: dict[str, dict[str, int]] = {}
    for query, judged in qrels.items():
        for item, grade in judged.items():
            swapped.setdefault(item, {})[query] = grade
    return swapped
