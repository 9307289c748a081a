"""The topic (LSA) signal: words that co-occur across both sides' listings relate two listings
that share no word; unfitted, the signal is 0 and its weight is left out of the score."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from app.matching import Features, Weights
from app.matching.index import Index
from app.matching.synonyms import parse_groups
from app.matching.topics import Topics
from app.matching.weights import SIGNALS

TOPIC = SIGNALS.index("topic")
WORD = SIGNALS.index("word")

# two themes, each written in words that co-occur across the listings of the theme
TRAINING = [("焊接", "仿真"), ("焊接", "仿真", "实训"), ("实训", "焊接", "仿真"),
            ("仿真", "焊接", "工位"), ("焊接", "仿真"), ("实训", "工位")]  # fmt: skip
PARKING = [("停车", "车位"), ("泊位", "车位", "停车"), ("停车", "车位", "泊位"),
           ("车位", "停车", "错时"), ("停车", "车位"), ("泊位", "错时")]  # fmt: skip


def listing(*words: str) -> Features:
    return Features(title=words, body=words)


CANDIDATES = [listing(*w) for w in TRAINING + PARKING] + [listing("焊接"), listing("车位")]
WELDING, SPACES = len(CANDIDATES) - 2, len(CANDIDATES) - 1
QUERY = listing("仿真")


def index(fit: bool = True, weights: Weights | None = None) -> Index:
    out = Index(weights or Weights(), parse_groups([]))
    out.build((f"C{i}", f) for i, f in enumerate(CANDIDATES))
    if fit:
        out.fit_topics([*CANDIDATES, QUERY])
    return out


def test_cooccurring_words_relate_listings_that_share_no_word() -> None:
    idx = index()
    rows = np.array([WELDING, SPACES])
    signals = idx.signals(idx.query(QUERY), rows)
    assert signals[:, WORD].tolist() == [0.0, 0.0]  # 仿真 is in neither
    assert signals[0, TOPIC] > 0.5  # 焊接 keeps company with 仿真
    assert signals[1, TOPIC] < 0.1  # 车位 does not
    ranked = [m.id for m in idx.search(QUERY, top=len(CANDIDATES))]
    assert ranked.index(f"C{WELDING}") < ranked.index(f"C{SPACES}")


def test_fitting_is_deterministic_and_sized_by_the_corpus() -> None:
    docs = [(w, [1.0] * len(w)) for w in TRAINING + PARKING]
    first, second = Topics.fit(docs), Topics.fit(docs)
    assert first is not None
    assert second is not None
    assert first.dimensions == len(docs) // 5
    assert all(np.allclose(first.vector(d), second.vector(d)) for d in docs)
    assert Topics.fit(docs[:4]) is None  # too few listings to learn associations from
    assert Topics.fit(docs, dimensions=3).dimensions == 3


def test_a_listing_added_after_fitting_gets_its_topic_vector() -> None:
    idx = index()
    idx.add("NEW", listing("焊接", "实训"))
    [match] = [m for m in idx.search(QUERY, top=len(CANDIDATES) + 1) if m.id == "NEW"]
    assert dict(match.signals)["topic"] > 0.5


def test_unfitted_the_topic_weight_is_left_out() -> None:
    unfitted = index(fit=False)
    without_topics = index(fit=False, weights=replace(Weights(), topic=0.0))
    query = listing("焊接", "仿真")
    got = [(m.id, m.score) for m in unfitted.search(query, top=5)]
    assert got == [(m.id, m.score) for m in without_topics.search(query, top=5)]
    assert all(dict(m.signals)["topic"] == 0.0 for m in unfitted.search(query, top=5))


def test_the_other_side_can_share_the_space_and_it_can_be_turned_off() -> None:
    fitted = index()
    other = index(fit=False)
    other.use_topics(fitted.topics)  # the scenarios' index uses the space fitted once
    rows = np.array([WELDING, SPACES])
    assert np.allclose(
        other.signals(other.query(QUERY), rows), fitted.signals(fitted.query(QUERY), rows)
    )
    other.use_topics(None)
    assert other.signals(other.query(QUERY), rows)[:, TOPIC].tolist() == [0.0, 0.0]


def test_a_large_corpus_is_fitted_on_an_even_sample() -> None:
    from app.matching import topics

    assert Topics.sample(5) == [0, 1, 2, 3, 4]
    picked = Topics.sample(topics.MAX_FIT_DOCS * 3)
    assert len(picked) == topics.MAX_FIT_DOCS
    assert picked[:3] == [0, 3, 6]


def test_one_document_projects_as_the_index_projects_its_rows() -> None:
    idx = index()  # every row projected at once, through the index's word space
    assert idx.topics is not None
    for row, f in enumerate(CANDIDATES):
        assert np.allclose(
            idx.topics.vector(idx.word_terms(f)), idx._topic_matrix()[row], atol=1e-5
        )
    assert not idx.topics.vector((("未知词",), [1.0])).any()  # nothing known: a zero vector
    assert not idx.topics.vector(((), [])).any()


def test_a_space_fitted_after_adds_projects_every_row() -> None:
    idx = index(fit=False)
    idx.add("NEW", listing("焊接", "激光", "新词"))  # words the built index has never seen
    idx.fit_topics([*CANDIDATES, listing("焊接", "激光", "新词"), QUERY])
    [match] = [m for m in idx.search(QUERY, top=len(CANDIDATES) + 1) if m.id == "NEW"]
    assert dict(match.signals)["topic"] > 0.5
