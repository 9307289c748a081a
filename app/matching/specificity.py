"""How specific a word is: against a background Chinese corpus and against the platform.

A word an official would read as a reason (信号配时, 跌倒检测, 输液) is rare both in general
Chinese and across the platform's listings; words common in all IT writing (系统, 平台, 数据,
生成, 中心) are frequent in one or the other. Two measures, each in [0, 1]:

- **background**: jieba's own frequency dictionary (dict.txt inside the installed package,
  about 60 million tokens of general Chinese), read once per process without network.
  `ln(total / (freq + 1))` mapped linearly from BACKGROUND_COMMON (0) to BACKGROUND_RARE
  (1); a word the dictionary lacks is rare (1).
- **platform**: document frequency over the platform's listings of both sides (`Platform`,
  counted when an index is built or a topic space fitted), smooth IDF mapped from
  PLATFORM_COMMON (0) to PLATFORM_RARE (1).

A term's specificity is the geometric mean of the two; a word is a *reason* only when its
specificity reaches REASON_MIN. The background measure also scales a word's weight in the
score (`BackgroundFactor`): a word common in general Chinese weighs little even where the
platform's own listings are too few to say so. Deterministic; no Flask, no database.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Protocol

BACKGROUND_COMMON = 8.0  # ln(total / freq): 系统 7.98, 中心 7.83, 管理 7.7 and commoner
BACKGROUND_RARE = 12.5  # about 1 in 270,000 tokens (输液 12.7, 对接 12.7) and rarer
PLATFORM_COMMON = 1.0 + math.log(3.0)  # in a third of the listings or more
PLATFORM_RARE = 1.0 + math.log(40.0)  # in one listing of forty or fewer
REASON_MIN = 0.45  # specificity a shared word needs to be shown as a reason
MIN_PLATFORM_DOCS = 30  # fewer listings say nothing about how common a word is on the platform
MIN_FREQ = 20  # rarer dictionary words are kept out of memory: they count as rare anyway
PHRASE_JOIN = "\u2009"  # joins the words of a phrase term (thin space: never inside a token)
# Verbs, adverbs and adjectives name actions and qualities every product has (生成, 实现,
# 识别, 快速): as reasons they count at this share of their specificity.
PREDICATE_TAGS = frozenset({"v", "vd", "d", "a", "ad", "an"})
PREDICATE_SHARE = 0.75

_lock = threading.Lock()
_background: tuple[dict[str, float], frozenset[str]] | None = None


def jieba_dictionary() -> Path:
    """The frequency dictionary shipped inside the installed jieba package."""
    import jieba  # the package is the tokenizer's; importing it loads no dictionary

    return Path(jieba.__file__).parent / "dict.txt"


def _load_background(path: Path) -> tuple[dict[str, float], frozenset[str]]:
    """word -> background specificity for words at least MIN_FREQ times in the dictionary,
    and those of them the dictionary tags as predicates (PREDICATE_TAGS)."""
    counts: dict[str, int] = {}
    predicates: set[str] = set()
    total = 0
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) < 2 or not parts[1].isdigit():
                continue
            freq = int(parts[1])
            total += freq
            if freq >= MIN_FREQ:
                counts[parts[0]] = counts.get(parts[0], 0) + freq
                if len(parts) > 2 and parts[2] in PREDICATE_TAGS:
                    predicates.add(parts[0])
    span = BACKGROUND_RARE - BACKGROUND_COMMON
    out: dict[str, float] = {}
    for word, freq in counts.items():
        value = (math.log(total / (freq + 1.0)) - BACKGROUND_COMMON) / span
        if value < 1.0:
            out[word] = round(max(value, 0.0), 4)
    return out, frozenset(predicates)


def background_table() -> tuple[dict[str, float], frozenset[str]]:
    """The process-wide background table and predicates (loaded once, lazily)."""
    global _background
    if _background is None:
        with _lock:
            if _background is None:
                _background = _load_background(jieba_dictionary())
    return _background


def background(term: str) -> float:
    """Background specificity of a word or phrase term in [0, 1] (1: rare or unknown).

    A phrase is as specific as its most specific word (数据 + 中台 is as specific as 中台).
    """
    if PHRASE_JOIN in term:
        return max(background(part) for part in term.split(PHRASE_JOIN))
    return _word_background(term)


@lru_cache(maxsize=200_000)
def _word_background(word: str) -> float:
    """A dictionary word's value; a word the dictionary lacks is as specific as its most
    specific part when it is made of common words of two or more characters (数据管理 = 数据 +
    管理, 服务平台 = 服务 + 平台: common; 信号配时 has the rare 配时: specific), else rare."""
    table = background_table()[0]
    value = table.get(word)
    if value is not None:
        return value
    best = 1.0
    for cut in range(2, len(word) - 1):
        head = table.get(word[:cut])
        if head is not None:
            best = min(best, max(head, _word_background(word[cut:])))
    return best


class BackgroundFactor:
    """A word's weight multiplier from its background specificity (picklable, no state).

    strength 0 leaves every weight as it is; strength 1 scales a word by its background
    specificity, kept above FLOOR so that a common word still counts a little. The
    background is a prior: an index of n listings uses strength × prior / (prior + n)
    (`for_corpus`), so it counts most where the listings themselves are too few for their
    document frequencies to say which words are common, and fades as they grow.
    """

    FLOOR = 0.1

    def __init__(self, strength: float, prior: float = 0.0) -> None:
        self.strength = min(max(strength, 0.0), 1.0)
        self.prior = prior  # listings the background counts for; 0: no shrinking

    def for_corpus(self, documents: int) -> BackgroundFactor:
        """The factor for an index of this many listings."""
        if self.prior <= 0:
            return self
        return BackgroundFactor(self.strength * self.prior / (self.prior + documents))

    def __call__(self, term: str) -> float:
        if self.strength <= 0.0:
            return 1.0
        value = max(background(term), self.FLOOR)
        return 1.0 - self.strength + self.strength * value


class Frequencies(Protocol):
    """Anything that gives a term's document frequency."""

    def get(self, term: str, default: int, /) -> int: ...


class Platform:
    """Document frequencies over the platform's listings of both sides (terms per listing)."""

    def __init__(self, df: Frequencies, documents: int) -> None:
        self.df = df
        self.documents = documents

    @classmethod
    def count(cls, docs: Iterable[Iterable[str]]) -> Platform:
        """Count each term once per listing."""
        df: dict[str, int] = {}
        n = 0
        for terms in docs:
            n += 1
            for term in set(terms):
                df[term] = df.get(term, 0) + 1
        return cls(df, n)

    def specificity(self, term: str) -> float:
        """Platform specificity in [0, 1]; 1 for an unseen term, or with too few listings."""
        if self.documents < MIN_PLATFORM_DOCS:
            return 1.0
        idf = math.log((1.0 + self.documents) / (1.0 + self.df.get(term, 0))) + 1.0
        return min(max((idf - PLATFORM_COMMON) / (PLATFORM_RARE - PLATFORM_COMMON), 0.0), 1.0)


def specificity(term: str, platform: Platform | None = None) -> float:
    """Geometric mean of background and platform specificity (background alone without one);
    a predicate (生成, 实现) counts at PREDICATE_SHARE of it."""
    bg = background(term)
    if platform is None or platform.documents < MIN_PLATFORM_DOCS:
        value = bg  # too few listings to say how common a word is on the platform
    else:
        value = math.sqrt(bg * platform.specificity(term))
    if term in background_table()[1]:
        value *= PREDICATE_SHARE
    return value


def is_specific(term: str, platform: Platform | None = None) -> bool:
    """Whether a shared word may be shown as a reason: specific, and more than one character."""
    return len(term.replace(PHRASE_JOIN, "")) > 1 and specificity(term, platform) >= REASON_MIN


def display(term: str) -> str:
    """A term as a reader sees it (the words of a phrase written together)."""
    return term.replace(PHRASE_JOIN, "")
