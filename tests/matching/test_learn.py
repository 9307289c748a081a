"""The learned re-ranker: it follows the labels, it stands down on noise, it survives JSON."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.matching import Engine, Listing, Tokenizer, Weights
from app.matching.learn import (
    MODEL_VERSION,
    Example,
    RerankerModel,
    mean_average_precision,
    train_and_decide,
)
from app.matching.synonyms import parse_groups
from app.matching.weights import SIGNALS

TAG = SIGNALS.index("tag")
WORD = SIGNALS.index("word")


def examples(label_of, groups: int = 30, per_group: int = 10, seed: int = 0) -> list[Example]:
    """Random signal rows in [0, 1] labelled by a rule on the row (or a random draw)."""
    rng = np.random.default_rng(seed)
    out = []
    for g in range(groups):
        for _ in range(per_group):
            row = rng.random(len(SIGNALS))
            out.append(Example(f"q{g}", tuple(float(x) for x in row), int(label_of(row, rng))))
    return out


def favour_tags(row: np.ndarray, _rng: np.random.Generator) -> bool:
    return row[TAG] > 0.6


def test_labels_favouring_one_signal_activate_a_model_that_follows_them() -> None:
    decision = train_and_decide(examples(favour_tags), Weights())
    assert decision.activate is True
    assert decision.model is not None
    assert decision.learned["map"] > decision.base["map"]
    assert decision.learned["auc"] > 0.9
    coef = dict(zip(decision.model.features, decision.model.coef, strict=True))
    assert coef["tag"] == max(coef.values())
    # the base weighting prefers a word match; the learned scorer prefers the tag match
    word_heavy = np.zeros(len(SIGNALS))
    word_heavy[WORD] = 0.9
    tag_heavy = np.zeros(len(SIGNALS))
    tag_heavy[TAG] = 0.9
    scores = decision.model.scorer()(np.stack([word_heavy, tag_heavy]))
    assert scores[1] > scores[0]
    assert ((scores >= 0.0) & (scores <= 1.0)).all()


def test_the_scorer_reorders_an_engine_ranking(tokenizer: Tokenizer) -> None:
    decision = train_and_decide(examples(favour_tags), Weights())
    assert decision.model is not None
    query = Listing("S", "路口信号灯配时", "早晚高峰排长队。", tags=("交通信号控制", "5G"))
    words = Listing("A", "路口信号灯配时优化", "高峰排队长度分析。", tags=("排队",))
    tags = Listing("B", "园区巡检机器人", "自动巡检。", tags=("交通信号控制", "5G"))
    plain = Engine(tokenizer, Weights(), parse_groups([]))
    learned = Engine(tokenizer, Weights(), parse_groups([]), scorer=decision.model.scorer())
    assert [m.id for m in plain.rank([query], [words, tags])[0]] == ["A", "B"]
    assert [m.id for m in learned.rank([query], [words, tags])[0]] == ["B", "A"]


def test_noise_labels_do_not_activate() -> None:
    decision = train_and_decide(examples(lambda _row, rng: rng.random() < 0.3), Weights())
    assert decision.activate is False
    assert decision.model is not None  # trained, but not recommended
    assert "not better" in decision.reason


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (examples(favour_tags)[:19], "too few examples"),
        (examples(lambda _row, _rng: 1), "only approvals"),
        (examples(lambda _row, _rng: 0), "only rejections"),
        (examples(favour_tags, groups=1, per_group=40), "single query"),
    ],
)
def test_unusable_examples_fall_back_with_a_reason(data: list[Example], reason: str) -> None:
    decision = train_and_decide(data, Weights())
    assert decision.activate is False
    assert decision.model is None
    assert reason in decision.reason
    assert decision.reason.isascii()


def test_examples_with_the_wrong_width_are_refused() -> None:
    data = [Example(e.group, e.signals[:2], e.label) for e in examples(favour_tags)]
    decision = train_and_decide(data, Weights())
    assert decision.activate is False
    assert str(len(SIGNALS)) in decision.reason


def test_the_split_keeps_each_query_on_one_side() -> None:
    first = train_and_decide(examples(favour_tags), Weights(), seed=3)
    again = train_and_decide(examples(favour_tags), Weights(), seed=3)
    assert first == again  # fixed seed, same decision
    assert first.model is not None
    assert first.model.trained_on == 300


def test_json_round_trip_keeps_the_scores() -> None:
    model = train_and_decide(examples(favour_tags), Weights()).model
    assert model is not None
    text = json.dumps(model.to_json())
    again = RerankerModel.from_json(json.loads(text))
    assert again == model
    rows = np.random.default_rng(5).random((7, len(SIGNALS)))
    assert np.allclose(again.scorer()(rows), model.scorer()(rows))


@pytest.mark.parametrize(
    "change",
    [
        {"version": "something-else"},
        {"features": ["word", "nonsense"], "coef": [1.0, 2.0]},
        {"coef": [1.0]},
        {"intercept": float("nan")},
    ],
)
def test_from_json_refuses_a_foreign_or_broken_model(change: dict) -> None:
    data = RerankerModel(MODEL_VERSION, SIGNALS, (1.0,) * len(SIGNALS), 0.0, 10, {}).to_json()
    data.update(change)
    with pytest.raises(ValueError, match=r"."):
        RerankerModel.from_json(data)


def test_from_json_names_a_missing_key() -> None:
    data = RerankerModel(MODEL_VERSION, SIGNALS, (1.0,) * len(SIGNALS), 0.0, 10, {}).to_json()
    del data["coef"]
    with pytest.raises(ValueError, match="malformed"):
        RerankerModel.from_json(data)


def test_mean_average_precision_is_pessimistic_on_ties() -> None:
    labels = np.array([1, 0, 0, 1])
    groups = np.array(["a", "a", "b", "b"])
    assert mean_average_precision(np.array([0.9, 0.1, 0.5, 0.4]), labels, groups) == 0.75
    assert mean_average_precision(np.array([1.0, 1.0, 1.0, 1.0]), labels, groups) == 0.5
