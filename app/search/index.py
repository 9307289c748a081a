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


SEP = "\t"  # joins facet keys in bulk columns (taxonomy names may hold spaces, never tabs)


@dataclass(frozen=True)
class Columns:
    """Many listings at once, column by column: the fast path of a rebuild."""

    ids: np.ndarray
    org: np.ndarray
    published: np.ndarray
    deadline: np.ndarray  # NO_DEADLINE where none
    low: np.ndarray  # nan where none
    high: np.ndarray
    facets: list[str]  # per listing, keys joined by SEP
    title: list[str]  # per listing, distinct tokens joined by spaces
    body: list[str]


def _csr(
    docs: Sequence[str], sep: str, first_slot: int
) -> tuple[dict[str, int], np.ndarray, np.ndarray]:
    """An inverted index of separator-joined token strings: (word -> row, row offsets, slots).

    Built with C-level loops (str.split, map over dict.setdefault, numpy sorting): a million
    listings' ten million postings take seconds, where appending to lists takes minutes.
    """
    first: dict[str, int] = {}
    codes: list[np.ndarray] = []
    lengths = np.zeros(len(docs), dtype=np.int64)
    position = 0
    for start in range(0, len(docs), 20_000):
        chunk = docs[start : start + 20_000]
        for offset, doc in enumerate(chunk):
            lengths[start + offset] = doc.count(sep) + 1 if doc else 0
        tokens = sep.join(doc for doc in chunk if doc).split(sep) if any(chunk) else []
        found = map(first.setdefault, tokens, range(position, position + len(tokens)))
        codes.append(np.fromiter(found, dtype=np.int64, count=len(tokens)))
        position += len(tokens)
    all_codes = np.concatenate(codes) if codes else np.zeros(0, dtype=np.int64)
    # number the words by first occurrence without sorting: position -> row via a lookup
    firsts = np.fromiter(first.values(), dtype=np.int64, count=len(first))
    lookup = np.zeros(max(position, 1), dtype=np.int32)
    lookup[firsts] = np.arange(len(firsts), dtype=np.int32)
    rows = lookup[all_codes]
    vocabulary = dict(zip(first.keys(), range(len(first)), strict=True))
    owners = np.repeat(np.arange(first_slot, first_slot + len(docs), dtype=np.int32), lengths)
    small = rows.astype(np.uint16) if len(first) <= np.iinfo(np.uint16).max else rows
    order = np.argsort(small, kind="stable")  # a radix sort while words fit in 16 bits
    counts = np.bincount(rows, minlength=len(first))
    offsets = np.concatenate([[0], np.cumsum(counts)])
    return vocabulary, offsets, owners[order]


class _Postings:
    """token -> slots: a compact bulk-built part plus lists for listings added one by one."""

    def __init__(self) -> None:
        self.base: dict[str, int] = {}
        self.offsets = np.zeros(1, dtype=np.int64)
        self.slots = np.zeros(0, dtype=np.int32)
        self.lists: dict[str, list[int]] = {}
        self._arrays: dict[str, np.ndarray] = {}

    def keys(self) -> set[str]:
        return self.base.keys() | self.lists.keys()

    def bulk(self, docs: Sequence[str], sep: str, first_slot: int) -> None:
        """Replace the bulk part (only on an empty index)."""
        self.base, self.offsets, self.slots = _csr(docs, sep, first_slot)
        self._arrays.clear()

    def add(self, keys: Iterable[str], slot: int) -> None:
        for key in keys:
            self.lists.setdefault(key, []).append(slot)
            self._arrays.pop(key, None)

    def get(self, key: str) -> np.ndarray:
        array = self._arrays.get(key)
        if array is None:
            row = self.base.get(key)
            part = (
                self.slots[self.offsets[row] : self.offsets[row + 1]]
                if row is not None
                else self.slots[:0]
            )
            extra = self.lists.get(key)
            array = np.concatenate([part, np.asarray(extra, dtype=np.int32)]) if extra else part
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
        self._newest: np.ndarray | None = None
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

    def newest_rank(self) -> np.ndarray:
        """Each slot's position in newest-first order (ties: higher id first); cached."""
        if self._newest is None:
            order = np.lexsort((-self.column("ids"), -self.column("published")))
            rank = np.empty(self.size, dtype=np.int64)
            rank[order] = np.arange(self.size)
            self._newest = rank
        return self._newest

    def vocabulary(self) -> list[str]:
        """Every indexed word (title and body), for expanding query tokens."""
        if self._vocabulary is None:
            self._vocabulary = list(self.title.keys() | self.body.keys())
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
        self._newest = None

    def add_many(self, records: Sequence[Record]) -> None:
        """Add listings one by one."""
        for record in records:
            self.add(record)

    def load(self, columns: Columns) -> None:
        """Fill an empty index with many listings at once (a rebuild)."""
        if self.size:
            raise ValueError("load() fills an empty index")
        count = len(columns.ids)
        while len(self._columns["ids"]) < count:
            self._grow()
        for name in ("ids", "org", "published", "deadline", "low", "high"):
            self._columns[name][:count] = getattr(columns, name)
        self._columns["alive"][:count] = True
        self.size = count
        self.slot_of = {int(i): slot for slot, i in enumerate(columns.ids.tolist())}
        self.facets.bulk(columns.facets, SEP, 0)
        self.title.bulk(columns.title, " ", 0)
        self.body.bulk(columns.body, " ", 0)
        self._vocabulary = None
        self._newest = None

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
