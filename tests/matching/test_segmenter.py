"""The C segmenter (jieba_fast) cuts exactly as jieba does, on everything the project holds."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import jieba
import pytest

from app.matching import text
from app.matching.synonyms import load_synonyms
from app.matching.text import Tokenizer

ROOT = Path(__file__).resolve().parents[2]
DEVSET = ROOT.parent / "shared" / "matching-devset"


def seed_texts() -> Iterator[str]:
    """Demo listings, dictionary words, synonym members and, when present, the dev set."""
    demo = ROOT / "seed" / "demo"
    for name in ("scenarios.json", "capabilities.json"):
        for record in json.loads((demo / name).read_text("utf-8")):
            yield from (record["title"], record["description"], record.get("needs", ""))
    yield from (
        line.split()[0]
        for line in (ROOT / "seed/matching/dict.txt").read_text("utf-8").splitlines()
        if line and not line.startswith("#")
    )
    yield from load_synonyms().members()
    for name in ("scenarios.jsonl", "capabilities.jsonl"):
        path = DEVSET / name
        if path.exists():
            for line in path.read_text("utf-8").splitlines():
                record = json.loads(line)
                yield record["title"] + "。" + record["description"]


@pytest.fixture(scope="module")
def pair() -> tuple[Tokenizer, Tokenizer]:
    """The same dictionary and synonym words in both segmenters."""
    if text.jieba_fast is None:
        reason = "jieba_fast is not installed (no C compiler?): the engine uses pure jieba"
        if os.environ.get("REQUIRE_FAST_SEGMENTER") == "1":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    tokenizers = (Tokenizer(segmenter=text.jieba_fast), Tokenizer(segmenter=jieba))
    for tokenizer in tokenizers:
        for word in load_synonyms().members():
            tokenizer.add_word(word)
    return tokenizers


def test_the_default_segmenter_is_the_fast_one_when_installed() -> None:
    assert text.FASTEST is (text.jieba_fast or jieba)


def test_cuts_are_identical_on_the_seed_vocabulary(pair: tuple[Tokenizer, Tokenizer]) -> None:
    fast, reference = pair
    texts = [t for t in seed_texts() if t]
    assert len(texts) > 1000
    differing = [t for t in texts if fast.tokens(t) != reference.tokens(t)]
    assert differing == []
