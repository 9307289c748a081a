"""Metrics against hand-computed values, following the dev set README."""

from __future__ import annotations

import math

import pytest

from tooling.matching.metrics import (
    clean_ranking,
    evaluate_run,
    mrr_at_k,
    ndcg_at_k,
    recall_at_k,
    transpose,
)

JUDGED = {"a": 3, "b": 2, "c": 1}
RANKED = ["x", "b", "a", "y", "c"]
# DCG: b (gain 3) at rank 2, a (gain 7) at rank 3, c (gain 1) at rank 5;
# ideal: 7 at rank 1, 3 at rank 2, 1 at rank 3.
EXPECTED_NDCG = (3 / math.log2(3) + 7 / 2 + 1 / math.log2(6)) / (7 + 3 / math.log2(3) + 1 / 2)


def test_ndcg_hand_computed() -> None:
    assert ndcg_at_k(RANKED, JUDGED) == pytest.approx(EXPECTED_NDCG, abs=1e-12)
    assert ndcg_at_k(RANKED, JUDGED) == pytest.approx(0.6153276, abs=1e-7)


def test_ndcg_perfect_empty_and_cut_off() -> None:
    assert ndcg_at_k(["a", "b", "c"], JUDGED) == pytest.approx(1.0)
    assert ndcg_at_k([], JUDGED) == 0.0
    at_two = (3 / math.log2(3)) / (7 + 3 / math.log2(3))
    assert ndcg_at_k(RANKED, JUDGED, k=2) == pytest.approx(at_two)


def test_ndcg_ideal_uses_all_judged_items() -> None:
    judged = {f"i{n}": 1 for n in range(12)}
    ideal = sum(1 / math.log2(r + 1) for r in range(1, 11))
    ranked = ["i0", "x", "i1"]
    assert ndcg_at_k(ranked, judged) == pytest.approx((1 + 1 / 2) / ideal)


def test_recall_and_mrr_hand_computed() -> None:
    assert recall_at_k(RANKED, JUDGED) == 1.0
    assert recall_at_k(RANKED, JUDGED, k=2) == 0.5
    assert recall_at_k(RANKED, JUDGED, k=5, threshold=1) == 1.0
    assert mrr_at_k(RANKED, JUDGED) == 0.5
    assert mrr_at_k(RANKED, JUDGED, k=1) == 0.0
    assert mrr_at_k(["c", "a"], JUDGED, threshold=1) == 1.0


def test_evaluate_run_averaging_rules() -> None:
    qrels = {"q1": JUDGED, "q2": {"d": 1}, "q3": {"e": 3}}
    run = {"q1": RANKED, "q2": ["d"], "other": ["e"]}
    scores = evaluate_run(run, qrels)
    # nDCG over all three labelled queries (q3 has no ranking: 0);
    # recall and MRR only over q1 and q3, which have an item of grade >= 2.
    assert scores.ndcg == pytest.approx((EXPECTED_NDCG + 1.0 + 0.0) / 3)
    assert scores.recall == pytest.approx(0.5)
    assert scores.mrr == pytest.approx(0.25)
    assert (scores.queries, scores.relevant_queries) == (3, 2)


def test_repeated_and_unknown_ids_are_ignored() -> None:
    assert clean_ranking(["b", "b", "z", "a"], known={"a", "b"}) == ["b", "a"]
    scores = evaluate_run({"q": ["x", "x", "a"]}, {"q": {"a": 3}}, known={"a"})
    assert scores.ndcg == 1.0
    assert scores.mrr == 1.0


def test_transpose() -> None:
    qrels = {"S1": {"C1": 3, "C2": 1}, "S2": {"C1": 2}}
    assert transpose(qrels) == {"C1": {"S1": 3, "S2": 2}, "C2": {"S1": 1}}
