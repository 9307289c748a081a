"""An in-memory columnar index of one side's published listings (numpy; no Flask, no SQL).

Slots are appended; a changed listing gets a new slot and its old one is marked dead, so
adding or removing a listing never rewrites the postings. Dead slots go at the next rebuild.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

NO_DEADLINE = np.iinfo(np.int64).max  # sorts last; "open" filters keep it
TITLE_WEIGHT = 2.0  # a word in the title counts three times one in the body
PARTIAL_WEIGHT = 0.6  # 医保 found inside 医保基金 ranks below 医保 itself


@dataclass(frozen=True)
class Record:
    """What the index keeps of one listing: filter and sort values, facets, tokens."""

    listing_id: int
    org_id: int
    published: float  # POSIX seconds
    deadline: int | None = None  # date ordinal
    budget_low: float | None = None  # 万元
    budget_high: float | None = None
    facets: frozenset[str] = frozenset()  # "domain:智慧交通", "tag:人工智能" …
    title_tokens: tuple[str, ...] = ()
    body_tokens: tuple[str, ...] = ()


def facet(kind: str, value: str) -> str:
    """The key of one facet value."""
    return f"{kind}:{value}"


def expand(token: str, vocabulary: Iterable[str]) -> list[tuple[str, float]]:
    """The indexed words a query token finds, with their weight.

    jieba cuts a query alone differently from the same words inside a sentence (医保 versus
    医保基金), so a token of two or more characters also finds the words that contain it.
    """
    found = []
    for word in vocabulary:
        if word == token:
            found.append((word, 1.0))
        elif len(token) >= 2 and token in word:
            found.append((word, PARTIAL_WEIGHT))
    return found


def record_has(record: Record, token: str) -> bool:
    """Whether one listing contains a query token as the index would find it."""
    words = set(record.title_tokens) | set(record.body_tokens)
    return bool(expand(token, words))


class _Postings:
    """token -> slots, kept as lists while growing and cached as arrays for queries."""

    def __init__(self) -> None:
        self.lists: dict[str, list[int]] = {}
        self._arrays: dict[str, np.ndarray] = {}

    def add(self, keys: Iterable[str], slot: int) -> None:
        for key in keys:
            self.lists.setdefault(key, []).append(slot)
            self._arrays.pop(key, None)

    def get(self, key: str) -> np.ndarray:
        array = self._arrays.get(key)
        if array is None:
            array = np.asarray(self.lists.get(key, ()), dtype=np.int64)
            self._arrays[key] = array
        return array


class SideIndex:
    """The published listings of one side, as columns over slots."""

    COLUMNS = (
        ("ids", np.int64, 0),
        ("org", np.int64, 0),
        ("published", np.float64, 0.0),
        ("deadline", np.int64, NO_DEADLINE),
        ("low", np.float64, math.nan),
        ("high", np.float64, math.nan),
        ("alive", np.bool_, False),
    )

    def __init__(self, capacity: int = 1024) -> None:
        self.size = 0
        self.slot_of: dict[int, int] = {}
        self.facets = _Postings()
        self.title = _Postings()
        self.body = _Postings()
        self._vocabulary: list[str] | None = None
        self._columns = {
            name: np.full(capacity, fill, dtype=dtype) for name, dtype, fill in self.COLUMNS
        }

    def column(self, name: str) -> np.ndarray:
        """A column over the used slots (a view: do not write)."""
        return self._columns[name][: self.size]

    @property
    def count(self) -> int:
        """How many listings are searchable."""
        return len(self.slot_of)

    @property
    def max_id(self) -> int:
        """The highest listing id held (0 when empty)."""
        return max(self.slot_of, default=0)

    def vocabulary(self) -> list[str]:
        """Every indexed word (title and body), for expanding query tokens."""
        if self._vocabulary is None:
            self._vocabulary = sorted(self.title.lists.keys() | self.body.lists.keys())
        return self._vocabulary

    def add(self, record: Record) -> None:
        """Make a listing searchable, replacing its previous version."""
        self.remove(record.listing_id)
        if self.size == len(self._columns["ids"]):
            self._grow()
        slot = self.size
        self.size += 1
        values = {
            "ids": record.listing_id,
            "org": record.org_id,
            "published": record.published,
            "deadline": NO_DEADLINE if record.deadline is None else record.deadline,
            "low": math.nan if record.budget_low is None else record.budget_low,
            "high": math.nan if record.budget_high is None else record.budget_high,
            "alive": True,
        }
        for name, value in values.items():
            self._columns[name][slot] = value
        self.slot_of[record.listing_id] = slot
        self.facets.add(record.facets, slot)
        self.title.add(set(record.title_tokens), slot)
        self.body.add(set(record.body_tokens), slot)
        self._vocabulary = None

    def add_many(self, records: Sequence[Record]) -> None:
        """Add listings in bulk (a rebuild)."""
        need = self.size + len(records)
        while len(self._columns["ids"]) < need:
            self._grow()
        for record in records:
            self.add(record)

    def remove(self, listing_id: int) -> None:
        """Stop finding a listing (withdrawn, closed, expired, or replaced)."""
        slot = self.slot_of.pop(listing_id, None)
        if slot is not None:
            self._columns["alive"][slot] = False

    def _grow(self) -> None:
        for name, dtype, fill in self.COLUMNS:
            old = self._columns[name]
            new = np.full(max(len(old) * 2, 1024), fill, dtype=dtype)
            new[: len(old)] = old
            self._columns[name] = new

    def facet_mask(self, key: str) -> np.ndarray:
        """Slots having one facet value."""
        mask = np.zeros(self.size, dtype=bool)
        mask[self.facets.get(key)] = True
        return mask

    def text_scores(self, tokens: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(slots holding every token, relevance of each slot) for the query tokens."""
        required = np.ones(self.size, dtype=bool)
        scores = np.zeros(self.size, dtype=np.float64)
        vocabulary = self.vocabulary()
        documents = max(self.count, 1)
        for token in tokens:
            hit = np.zeros(self.size, dtype=bool)
            for word, weight in expand(token, vocabulary):
                in_title, in_body = self.title.get(word), self.body.get(word)
                frequency = len(in_title) + len(in_body)
                idf = math.log(1.0 + documents / max(frequency, 1)) * weight
                hit[in_title] = True
                hit[in_body] = True
                scores[in_body] += idf  # a word's slots are distinct: plain indexing adds once
                scores[in_title] += idf * TITLE_WEIGHT
            required &= hit
        return required, scores
