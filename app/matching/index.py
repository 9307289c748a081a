"""An in-memory index of one side's listings: incremental adds and removals, two-stage search.

Stage 1 scores every live candidate by field-weighted word TF-IDF through an inverted index
(a CSC matrix: only the query's columns are read). Stage 2 takes the best `pool` of them and
computes every signal — words, character bigrams, shared domains, shared tags, same district,
and the topic (LSA) cosine when a topic space was fitted (fit_topics) — then the weighted
score, the local preference and the explanation.

IDF is frozen when the index is built; listings added later are weighted with it (a word the
index has never seen counts as rare). A rebuild refreshes it. New rows go to a small delta
segment that is merged into the main one when it grows past MERGE_AT.
"""

from __future__ import annotations

import math
import threading
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import cast

import numpy as np
from scipy import sparse

from app.matching.features import Features, char_bigrams
from app.matching.parallel import parallel_map
from app.matching.specificity import (
    PHRASE_JOIN,
    BackgroundFactor,
    Platform,
    display,
    is_specific,
)
from app.matching.synonyms import CONCEPT_PREFIX, Synonyms
from app.matching.topics import Topics
from app.matching.types import Bridge, Explanation, Filters, Match
from app.matching.weights import SIGNALS, Weights

MERGE_AT = 4096
# Stage 1 reads the posting lists of the query's words except those in over a quarter of all
# listings (IDF below 1 + ln 4): they barely move a cosine and cost the most to read. Stage 2
# computes the exact scores of the pool with every word.
STAGE1_MIN_IDF = 1.0 + math.log(4.0)
MAX_TERMS = 5  # specific shared terms shown as reasons, most contributing first
SCORE_DIGITS = 6
OTHER_DOMAIN_BIT = 62  # domains beyond the 62nd share one bit (taxonomies have 14)
DTYPE = np.float32

Progress = Callable[[int, int], None]
Scorer = Callable[[np.ndarray], np.ndarray]  # signal matrix (n × len(SIGNALS)) -> scores


@dataclass(frozen=True, slots=True)
class Vector:
    """A sparse, L2-normalised vector: column ids and weights."""

    cols: np.ndarray
    vals: np.ndarray

    def dense(self, size: int) -> np.ndarray:
        """As a dense array of the given length (columns beyond it are dropped)."""
        out = np.zeros(size, dtype=DTYPE)
        keep = self.cols < size
        out[self.cols[keep]] = self.vals[keep]
        return out


@dataclass(frozen=True, slots=True)
class Counts:
    """Documents' summed term counts over a vocabulary of their own (counted apart, merged)."""

    terms: list[str]  # column id -> term, in first-occurrence order
    matrix: sparse.csr_matrix  # one row per document


@dataclass(frozen=True, slots=True)
class Segment:
    """Listings vectorised apart from an index: their labels and their raw term counts."""

    labels: list[tuple[str, Features]]  # (listing id, features holding only the labels)
    words: Counts
    chars: Counts


class Vocabulary:
    """Terms to column ids, with document frequencies frozen at build time.

    `weight` is the IDF times the term's factor (a word's background specificity:
    specificity.BackgroundFactor; 1 without a factor): what vectors are weighted with.
    """

    def __init__(self, factor: BackgroundFactor | None = None) -> None:
        self.ids: dict[str, int] = {}
        self.terms: list[str] = []
        self.factor = factor  # scaled to the corpus when frozen (for_corpus)
        self.idf = np.zeros(0, dtype=DTYPE)
        self.weight = np.zeros(0, dtype=DTYPE)
        self.df = np.zeros(0, dtype=np.int64)
        self.documents = 0
        self.unseen_idf = 1.0

    def get(self, term: str, default: int = 0, /) -> int:
        """A term's document frequency at build time (specificity.Frequencies)."""
        col = self.ids.get(term)
        return default if col is None or col >= len(self.df) else int(self.df[col])

    def _factors(self, terms: Sequence[str]) -> np.ndarray:
        # a background faded below 0.1% (an index of tens of thousands) changes nothing
        if self.factor is None or self.factor.strength < 1e-3:
            return np.ones(len(terms), dtype=DTYPE)
        return np.fromiter(map(self.factor, terms), dtype=DTYPE, count=len(terms))

    def __len__(self) -> int:
        return len(self.terms)

    def grow(self, terms: Sequence[str], weigh_new: bool = True) -> list[int]:
        """Ids of terms, adding new ones (weighted as rare: unseen_idf, unless building)."""
        ids, vocabulary, before = self.ids, self.terms, len(self.terms)
        get = ids.get
        out = list(map(get, terms))  # known terms: one C-level lookup each
        if None in out:
            for i, term in enumerate(terms):
                if out[i] is None:
                    known = get(term)
                    if known is None:
                        known = ids[term] = len(vocabulary)
                        vocabulary.append(term)
                    out[i] = known
        if weigh_new and len(vocabulary) > before:
            extra = np.full(len(vocabulary) - before, self.unseen_idf, dtype=DTYPE)
            self.idf = np.concatenate([self.idf, extra])
            self.weight = np.concatenate([self.weight, extra * self._factors(vocabulary[before:])])
        return cast("list[int]", out)  # every None was filled in above

    def freeze(self, df: np.ndarray, n_docs: int) -> None:
        """Smooth IDF as scikit-learn computes it: ln((1+n)/(1+df)) + 1."""
        self.idf = (np.log((1.0 + n_docs) / (1.0 + df)) + 1.0).astype(DTYPE)
        if self.factor is not None:
            self.factor = self.factor.for_corpus(int(n_docs))
        self.weight = (self.idf * self._factors(self.terms)).astype(DTYPE)
        self.df = np.asarray(df, dtype=np.int64)
        self.documents = int(n_docs)
        self.unseen_idf = float(np.log(1.0 + n_docs) + 1.0)


class Growable:
    """A numpy array that grows by doubling (row attributes)."""

    def __init__(self, dtype: type, fill: float | int | bool) -> None:
        self.data: np.ndarray = np.full(1024, fill, dtype=dtype)
        self.fill = fill
        self.size = 0

    def append(self, value: float | int | bool) -> None:
        if self.size == len(self.data):
            self.data = np.concatenate([self.data, np.full(self.size, self.fill, self.data.dtype)])
        self.data[self.size] = value
        self.size += 1

    def view(self) -> np.ndarray:
        return self.data[: self.size]


class Space:
    """One vector space (words, or character bigrams): main CSR/CSC segment plus a delta."""

    def __init__(self, with_csc: bool, factor: BackgroundFactor | None = None) -> None:
        self.factor = factor
        self.vocab = Vocabulary(factor)
        self.with_csc = with_csc
        self.main = sparse.csr_matrix((0, 0), dtype=DTYPE)
        self.main_csc: sparse.csc_matrix | None = None
        self.delta: list[tuple[np.ndarray, np.ndarray]] = []
        self._delta_csr: sparse.csr_matrix | None = None

    @property
    def rows(self) -> int:
        return int(self.main.shape[0]) + len(self.delta)

    def __getstate__(self) -> dict[str, object]:
        """Pickled without what is derived from the rest (the column-major copy, caches)."""
        state = self.__dict__.copy()
        state["main_csc"] = None
        state["_delta_csr"] = None
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        if self.with_csc:
            self.main_csc = self.main.tocsc()

    def build(self, docs: Iterable[tuple[Sequence[str], Sequence[float]]]) -> None:
        """Vectorise every document and freeze IDF (the rebuild path)."""
        self.start()
        for terms, weights in docs:
            self.feed(terms, weights)
        self.finish()

    def start(self) -> None:
        """Begin a build: documents are then fed one by one, in row order."""
        self.vocab = Vocabulary(self.factor)
        # C arrays, not Python lists: a city's listings hold tens of millions of tokens
        self._cols, self._vals, self._lengths = array("i"), array("f"), array("q")

    def feed(self, terms: Sequence[str], weights: Sequence[float]) -> None:
        """Add the next document of a build."""
        self._cols.extend(self.vocab.grow(terms, weigh_new=False))  # IDF is frozen at finish
        self._vals.extend(weights)
        self._lengths.append(len(terms))

    def finish(self) -> None:
        """Weigh the fed documents and serve them as the main segment."""
        self._serve(self._counts())

    def _counts(self) -> sparse.csr_matrix:
        """The fed documents' summed term counts (one row each), releasing the buffers."""
        lengths = (
            np.frombuffer(self._lengths, dtype=np.int64) if self._lengths else np.zeros(0, np.int64)
        )
        rows = np.repeat(np.arange(len(lengths)), lengths)
        cols = np.frombuffer(self._cols, dtype=np.int32) if self._cols else np.zeros(0, np.int32)
        vals = np.frombuffer(self._vals, dtype=np.float32) if self._vals else np.zeros(0, DTYPE)
        shape = (len(lengths), len(self.vocab))
        counts = sparse.csr_matrix((vals, (rows, cols.astype(np.int64))), shape=shape)
        del self._cols, self._vals, self._lengths
        counts.sum_duplicates()
        return counts

    @staticmethod
    def count(docs: Iterable[tuple[Sequence[str], Sequence[float]]]) -> Counts:
        """Term counts of some documents with their own vocabulary (a worker's share)."""
        space = Space(with_csc=False)  # counts only: the merging space weighs them
        space.start()
        for terms, weights in docs:
            space.feed(terms, weights)
        return Counts(space.vocab.terms, space._counts())

    def build_from(self, blocks: Sequence[Counts]) -> None:
        """Serve blocks counted apart, in order, as if their documents had been fed here.

        Each block's vocabulary lists its terms in first-occurrence order, so merging them in
        order gives the columns a streaming build would: the two builds are identical.
        """
        self.vocab = Vocabulary(self.factor)
        parts = []
        for block in blocks:
            mapping = np.asarray(self.vocab.grow(block.terms, weigh_new=False), dtype=np.int32)
            matrix = block.matrix
            parts.append((matrix.data, mapping[matrix.indices], matrix.indptr))
        width = len(self.vocab)
        counts = sparse.vstack(
            [sparse.csr_matrix(part, shape=(len(part[2]) - 1, width)) for part in parts]
            or [sparse.csr_matrix((0, width), dtype=DTYPE)],
            format="csr",
            dtype=DTYPE,
        )
        counts.sort_indices()
        self._serve(counts)

    def _serve(self, counts: sparse.csr_matrix) -> None:
        """Freeze IDF from the counts, weigh them and serve them as the main segment."""
        shape = counts.shape
        self.vocab.freeze(np.bincount(counts.indices, minlength=shape[1]), shape[0])
        self.main = self._weigh(counts)
        self.main_csc = self.main.tocsc() if self.with_csc else None
        self.delta, self._delta_csr = [], None

    def _weigh(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        """Sublinear tf (log1p: field weights make counts fractional) times IDF, rows L2-normalised."""
        data = np.log1p(counts.data.astype(np.float64)) * self.vocab.weight[counts.indices]
        lengths = np.diff(counts.indptr)
        rows = np.repeat(np.arange(counts.shape[0]), lengths)
        norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=counts.shape[0]))
        norms[norms == 0] = 1.0
        counts.data = (data / norms[rows]).astype(DTYPE)
        return counts

    def vector(self, terms: Sequence[str], weights: Sequence[float], grow: bool) -> Vector:
        """The normalised vector of one document (grow: may add terms to the vocabulary)."""
        ids = self.vocab.grow(terms) if grow else None
        if ids is None:
            pairs = [(self.vocab.ids.get(t), w) for t, w in zip(terms, weights, strict=True)]
            ids = [i for i, _ in pairs if i is not None]
            weights = [w for i, w in pairs if i is not None]
        if not ids:
            return Vector(np.zeros(0, np.int64), np.zeros(0, DTYPE))
        cols, inverse = np.unique(np.asarray(ids), return_inverse=True)
        tf = np.bincount(inverse, weights=np.asarray(weights, dtype=np.float64))
        vals = np.log1p(tf) * self.vocab.weight[cols]
        norm = float(np.sqrt(np.dot(vals, vals))) or 1.0
        return Vector(cols, (vals / norm).astype(DTYPE))

    def append(self, vector: Vector) -> None:
        """Add a row to the delta segment; merge when it grows large."""
        self.delta.append((vector.cols, vector.vals))
        self._delta_csr = None
        if len(self.delta) >= MERGE_AT:
            self.merge()

    def merge(self) -> None:
        """Fold the delta rows into the main segment."""
        if not self.delta:
            return
        width = len(self.vocab)
        main = self.main
        main = sparse.csr_matrix(
            (main.data, main.indices, main.indptr), shape=(main.shape[0], width)
        )
        self.main = sparse.vstack([main, self.delta_csr()], format="csr", dtype=DTYPE)
        self.main_csc = self.main.tocsc() if self.with_csc else None
        self.delta, self._delta_csr = [], None

    def delta_csr(self) -> sparse.csr_matrix:
        """The delta rows as a CSR matrix (cached until the next append)."""
        if self._delta_csr is None:
            lengths = [len(c) for c, _ in self.delta]
            indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
            cols = np.concatenate([c for c, _ in self.delta]) if self.delta else np.zeros(0)
            vals = np.concatenate([v for _, v in self.delta]) if self.delta else np.zeros(0)
            self._delta_csr = sparse.csr_matrix(
                (vals.astype(DTYPE), cols.astype(np.int64), indptr),
                shape=(len(self.delta), len(self.vocab)),
            )
        return self._delta_csr

    def scores_all(self, query: Vector, min_idf: float = 0.0) -> np.ndarray:
        """Cosine of the query with every row (inverted index over the main segment).

        min_idf skips the query's words that most rows carry (long posting lists, tiny
        weights): for choosing a pool, not for final scores. If it would skip them all,
        none is skipped.
        """
        out = np.zeros(self.rows, dtype=DTYPE)
        n_main = self.main.shape[0]
        if len(query.cols) and n_main:
            keep = query.cols < self.main.shape[1]
            specific = keep & (
                self.vocab.idf[np.minimum(query.cols, len(self.vocab) - 1)] >= min_idf
            )
            if specific.any():
                keep = specific
            cols, vals = query.cols[keep], query.vals[keep]
            if len(cols):
                matrix = self.main_csc if self.main_csc is not None else self.main.tocsc()
                out[:n_main] = matrix[:, cols] @ vals
        if self.delta and len(query.cols):
            out[n_main:] = self.delta_csr() @ query.dense(len(self.vocab))
        return out

    def scores_rows(self, query: Vector, rows: np.ndarray) -> np.ndarray:
        """Cosine of the query with the given rows only."""
        out = np.zeros(len(rows), dtype=DTYPE)
        if not len(query.cols) or not len(rows):
            return out
        dense = query.dense(len(self.vocab))
        n_main = self.main.shape[0]
        in_main = rows < n_main
        if in_main.any():
            main = self.main[rows[in_main]]
            out[in_main] = main @ dense[: main.shape[1]]
        if (~in_main).any():
            out[~in_main] = self.delta_csr()[rows[~in_main] - n_main] @ dense
        return out

    def row(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        """The sorted columns and the weights of one row."""
        n_main: int = self.main.shape[0]
        if row < n_main:
            start, end = self.main.indptr[row], self.main.indptr[row + 1]
            cols: np.ndarray = self.main.indices[start:end]
            weights: np.ndarray = self.main.data[start:end]
            return cols, weights
        return self.delta[row - n_main]


class Index:
    """Listings of one side (all capabilities, or all scenarios), searchable by the other side."""

    def __init__(self, weights: Weights, synonyms: Synonyms) -> None:
        self.weights = weights
        self.synonyms = synonyms
        self.lock = threading.RLock()
        self._reset()

    def __getstate__(self) -> dict[str, object]:
        """Everything but the lock (an index can be stored and loaded whole: artifacts)."""
        state = self.__dict__.copy()
        del state["lock"]
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self.lock = threading.RLock()

    def _reset(self) -> None:
        self.words = Space(
            with_csc=True,
            factor=BackgroundFactor(self.weights.background, self.weights.background_prior),
        )
        self.chars = Space(with_csc=False)
        self.ids: list[str] = []
        self.row_of: dict[str, int] = {}
        self.alive = Growable(bool, False)
        self.local = Growable(np.int8, 0)
        self.district = Growable(np.int32, -1)
        self.domain_bits = Growable(np.int64, 0)
        self.tag_sets: list[frozenset[str]] = []
        self.tag_rows: dict[str, set[int]] = {}  # tag -> rows carrying it
        self.domain_names: list[tuple[str, ...]] = []
        self.district_codes: dict[str, int] = {}
        self.domain_bit_of: dict[str, int] = {}
        self.topics: Topics | None = None  # fitted by fit_topics; a rebuild drops it
        self._reasons: dict[str, bool] = {}  # term -> specific enough to be a reason
        self._topic_rows: list[np.ndarray] = []  # unit topic vectors of the rows, in chunks

    # ------------------------------------------------------------------ building
    def word_terms(self, f: Features, need: float = 1.0) -> tuple[list[str], list[float]]:
        """Field-weighted word terms plus the synonym concepts they expand to; `need` weighs
        the clauses saying what is wanted, relative to the body (a query's `weights.need`)."""
        w = self.weights
        terms: list[str] = []
        weights: list[float] = []
        concept = self.synonyms.token_of.get
        fields = (
            (f.title, w.title),
            (f.tags, w.tags),
            (f.body, w.body),
            (f.need, w.body * need),
            (f.aside, w.aside),
            (f.boilerplate, w.boilerplate),
        )
        for tokens, weight in fields:
            if weight <= 0:
                continue  # a zero-weight field must not count in document frequencies either
            terms.extend(tokens)
            weights.extend([weight] * len(tokens))
            concepts = [c for c in map(concept, tokens) if c]
            terms.extend(concepts)
            weights.extend([weight * w.concept] * len(concepts))
            if w.phrase > 0 and len(tokens) > 1:
                grams = phrases(tokens)
                terms.extend(grams)
                weights.extend([weight * w.phrase] * len(grams))
        return terms, weights

    def char_terms(self, f: Features) -> tuple[list[str], list[float]]:
        """Character bigrams, each counting once per occurrence; aside and boilerplate ones
        count at their field's weight."""
        terms, weights = list(f.chars), [1.0] * len(f.chars)
        for tokens, weight in (
            (f.aside, self.weights.aside),
            (f.boilerplate, self.weights.boilerplate),
        ):
            if weight > 0:
                grams = char_bigrams(tokens)
                terms.extend(grams)
                weights.extend([weight] * len(grams))
        return terms, weights

    def build(
        self,
        items: Iterable[tuple[str, Features]],
        progress: Progress | None = None,
        total: int = 0,
    ) -> None:
        """Replace the whole content (no tokenising: features are already computed).

        One streaming pass: no list of every listing's features is ever held.
        """
        with self.lock:
            self._reset()
            self.words.start()
            self.chars.start()
            for done, (listing_id, f) in enumerate(items, start=1):
                self._append_attributes(listing_id, f)
                self.words.feed(*self.word_terms(f))
                self.chars.feed(*self.char_terms(f))
                _report(progress, done, total)
            self.words.finish()
            self.chars.finish()

    def segment(self, items: Iterable[tuple[str, Features]]) -> Segment:
        """Listings vectorised apart from this index (a batch worker's share of a build).

        Only this index's weights and synonyms are read, so forked workers can each count a
        share of the listings; `build_from_segments` then merges them in order.
        """
        items = list(items)
        return Segment(
            labels=[(listing_id, f.labels()) for listing_id, f in items],
            words=Space.count(self.word_terms(f) for _, f in items),
            chars=Space.count(self.char_terms(f) for _, f in items),
        )

    def build_from_segments(self, segments: Sequence[Segment]) -> None:
        """Replace the whole content with segments made by `segment`, in order.

        The result is the index `build` makes from the same listings in the same order.
        """
        with self.lock:
            self._reset()
            for seg in segments:
                for listing_id, labels in seg.labels:
                    self._append_attributes(listing_id, labels)
            self.words.build_from([seg.words for seg in segments])
            self.chars.build_from([seg.chars for seg in segments])

    def _append_attributes(self, listing_id: str, f: Features) -> None:
        """A new row's labels; a repeated id (the last one wins) retires its earlier row."""
        earlier = self.row_of.get(listing_id)
        if earlier is not None:
            self.alive.data[earlier] = False
        self.row_of[listing_id] = len(self.ids)
        self.ids.append(listing_id)
        self.alive.append(True)
        self.local.append(1 if f.is_local else 0)
        self.district.append(self._district_code(f.district) if f.district else -1)
        self.domain_bits.append(self._bits(f.domains, grow=True))
        self.tag_sets.append(frozenset(f.tag_labels))
        for tag in f.tag_labels:
            self.tag_rows.setdefault(tag, set()).add(len(self.ids) - 1)
        self.domain_names.append(tuple(f.domains))

    def _district_code(self, name: str) -> int:
        return self.district_codes.setdefault(name, len(self.district_codes))

    def _bits(self, domains: Iterable[str], grow: bool) -> int:
        bits = 0
        for name in domains:
            bit = self.domain_bit_of.get(name)
            if bit is None and grow:
                bit = min(len(self.domain_bit_of), OTHER_DOMAIN_BIT)
                self.domain_bit_of[name] = bit
            if bit is not None:
                bits |= 1 << bit
        return bits

    def fit_topics(self, docs: Sequence[Features]) -> Topics | None:
        """Fit a topic space (topics.py) on listings of both sides and score with it.

        docs: this side's listings and the other side's (e.g. the queries), or an even sample
        of them (Topics.sample: at most MAX_FIT_DOCS are fitted). Returns the space, which
        the other side's index may share (use_topics); None when there are too few listings.
        """
        docs = [docs[i] for i in Topics.sample(len(docs))]
        terms = [self.word_terms(f) for f in docs]
        topics = Topics.fit(terms)
        if topics is not None:  # both sides' document frequencies: what a reason must beat
            topics.platform = Platform.count(t for t, _ in terms)
        self.use_topics(topics)
        return topics

    def platform(self) -> Platform:
        """Document frequencies of the platform's listings: both sides' when a topic space was
        fitted on them, else this side's own."""
        both = getattr(self.topics, "platform", None)
        return both if both is not None else Platform(self.words.vocab, self.words.vocab.documents)

    def use_topics(self, topics: Topics | None) -> None:
        """Score with a fitted topic space, projecting every row; None turns the signal off
        (the `topic` signal is then 0 and its weight is left out of the score)."""
        with self.lock:
            self.topics = topics
            self._reasons = {}  # the platform's document frequencies changed with it
            self._topic_rows = []
            if topics is not None:  # every row at once, through the word space
                words, vocab = self.words, self.words.vocab
                main = words.main  # as wide as the vocabulary has grown since (later adds)
                main = sparse.csr_matrix(
                    (main.data, main.indices, main.indptr), shape=(main.shape[0], len(vocab))
                )
                rows = sparse.vstack([main, words.delta_csr()]) if words.delta else main
                projected = rows @ topics.basis_for(vocab.ids, vocab.weight)
                norms = np.linalg.norm(projected, axis=1, keepdims=True)
                norms[norms == 0] = 1.0
                self._topic_rows = [(projected / norms).astype(DTYPE)]

    def _topic_matrix(self) -> np.ndarray:
        if len(self._topic_rows) > 1:
            self._topic_rows = [np.concatenate(self._topic_rows)]
        return self._topic_rows[0]

    def add(self, listing_id: str, f: Features) -> None:
        """Add or replace one listing, searchable at once."""
        with self.lock:
            self.remove(listing_id)
            terms = self.word_terms(f)  # the word vector's and the topics'
            if self.topics is not None:
                self._topic_rows.append(self.topics.vector(terms)[None, :])
            self.words.append(self.words.vector(*terms, grow=True))
            self.chars.append(self.chars.vector(*self.char_terms(f), grow=True))
            self._append_attributes(listing_id, f)

    def remove(self, listing_id: str) -> bool:
        """Stop returning a listing; True when it was there."""
        with self.lock:
            row = self.row_of.pop(listing_id, None)
            if row is None:
                return False
            self.alive.data[row] = False
            return True

    def __len__(self) -> int:
        return len(self.row_of)

    def __contains__(self, listing_id: object) -> bool:
        return listing_id in self.row_of

    # ------------------------------------------------------------------ searching
    def query(self, f: Features) -> Query:
        """The vectors and labels of a query listing, in this index's spaces."""
        terms = self.word_terms(f, self.weights.need)  # the word vector's and the topics'
        return Query(
            words=self.words.vector(*terms, grow=False),
            chars=self.chars.vector(*self.char_terms(f), grow=False),
            domain_bits=self._bits(f.domains, grow=False),
            domains=frozenset(f.domains),
            tags=frozenset(f.tag_labels),
            district=self.district_codes.get(f.district, -2) if f.district else -2,
            tokens=frozenset((*f.title, *f.tags, *f.body, *f.need, *f.aside, *f.boilerplate)),
            topic=None if self.topics is None else self.topics.vector(terms),
        )

    def allowed(self, filters: Filters | None) -> np.ndarray:
        """Rows that are live and pass the filters."""
        mask = self.alive.view().copy()
        if filters is None or not filters.active:
            return mask
        if filters.local_only:
            mask &= self.local.view() == 1
        if filters.districts:
            codes = [self.district_codes[d] for d in filters.districts if d in self.district_codes]
            mask &= np.isin(self.district.view(), codes)
        if filters.domains:
            mask &= (self.domain_bits.view() & self._bits(filters.domains, grow=False)) != 0
        return mask

    def search(
        self,
        f: Features,
        top: int = 10,
        filters: Filters | None = None,
        min_score: float = 0.0,
        scorer: Scorer | None = None,
    ) -> list[Match]:
        """The best `top` listings for a query, best first; ties keep insertion order."""
        if top <= 0:
            return []
        with self.lock:
            query = self.query(f)
            allowed = self.allowed(filters)
            pool = self._pool(query, allowed, max(top, self.weights.pool))
            if not len(pool):
                return []
            signals = self.signals(query, pool)
            scores = self._score(signals, pool, scorer)
            order = np.lexsort((pool, -scores))[:top]
            return [
                self._match(query, int(pool[i]), float(scores[i]), signals[i])
                for i in order
                if scores[i] >= min_score
            ]

    def search_many(
        self, queries: Sequence[Features], top: int = 10, filters: Filters | None = None
    ) -> list[list[Match]]:
        """search() for every query (all-pairs top-N), over every core for large batches."""
        return parallel_map(lambda f: self.search(f, top, filters), queries, min_items=200)

    def _pool(self, query: Query, allowed: np.ndarray, size: int) -> np.ndarray:
        """Stage 1: the rows with the best word scores (then any others, in order)."""
        rows = np.flatnonzero(allowed)
        if len(rows) <= size:
            return rows
        word = self.words.scores_all(query.words, STAGE1_MIN_IDF)[rows]
        best = np.argpartition(-word, size - 1)[:size]
        return np.sort(rows[best])

    def signals(self, query: Query, rows: np.ndarray) -> np.ndarray:
        """Stage 2: every signal for the given rows, one column per name in SIGNALS."""
        out = np.zeros((len(rows), len(SIGNALS)), dtype=np.float64)
        out[:, 0] = self.words.scores_rows(query.words, rows)
        out[:, 1] = self.chars.scores_rows(query.chars, rows)
        out[:, 2] = (self.domain_bits.view()[rows] & query.domain_bits) != 0
        if query.tags:
            out[:, 3] = self._tag_share(query.tags, rows)
        out[:, 4] = self.district.view()[rows] == query.district
        if self.topics is not None and query.topic is not None:
            out[:, 5] = np.clip(self._topic_matrix()[rows] @ query.topic, 0.0, 1.0)
        return out

    def signal_weights(self) -> dict[str, float]:
        """The normalised signal weights; without a topic space the topic weight is left out."""
        weights = self.weights
        if self.topics is None:
            weights = replace(weights, topic=0.0)
        return weights.signal_weights()

    def _tag_share(self, tags: frozenset[str], rows: np.ndarray) -> np.ndarray:
        """The share of the query's tags each row carries (posting sets: no per-row set maths)."""
        listed = rows.tolist()
        hits = np.zeros(len(listed))
        for tag in tags:
            holders = self.tag_rows.get(tag)
            if holders:
                hits += np.fromiter((r in holders for r in listed), dtype=bool, count=len(listed))
        return hits / len(tags)

    def _score(self, signals: np.ndarray, rows: np.ndarray, scorer: Scorer | None) -> np.ndarray:
        if scorer is not None:
            base = scorer(signals)
        else:
            weights = self.signal_weights()
            base = signals @ np.array([weights[name] for name in SIGNALS])
        boosted = base * (1.0 + self.weights.local_bonus * self.local.view()[rows])
        scores: np.ndarray = np.round(np.clip(boosted, 0.0, 1.0), SCORE_DIGITS)
        return scores

    # ------------------------------------------------------------------ explaining
    def _match(self, query: Query, row: int, score: float, signals: np.ndarray) -> Match:
        weights = self.signal_weights()
        terms, bridges = self._shared_terms(query, row)
        explanation = Explanation(
            terms=terms,
            bridges=bridges,
            shared_domains=tuple(sorted(query.domains.intersection(self.domain_names[row]))),
            shared_tags=tuple(sorted(query.tags & self.tag_sets[row])),
            same_district=bool(signals[4]),
            is_local=bool(self.local.data[row]),
            contributions=tuple(
                (name, round(float(weights[name] * value), 4))
                for name, value in zip(SIGNALS, signals, strict=True)
            ),
            local_bonus=self.weights.local_bonus if self.local.data[row] else 0.0,
        )
        return Match(
            id=self.ids[row],
            score=score,
            terms=terms,
            explanation=explanation,
            signals=tuple(
                (name, round(float(v), 6)) for name, v in zip(SIGNALS, signals, strict=True)
            ),
        )

    def _shared_terms(self, query: Query, row: int) -> tuple[tuple[str, ...], tuple[Bridge, ...]]:
        """Shared words by contribution; concepts reached through different words become bridges."""
        row_cols, row_vals = self.words.row(row)
        shared, q_at, r_at = np.intersect1d(
            query.words.cols, row_cols, assume_unique=True, return_indices=True
        )
        if not len(shared):
            return (), ()
        contribution = query.words.vals[q_at] * row_vals[r_at]
        vocab = self.words.vocab.terms
        specific = self._is_reason
        words: list[str] = []
        bridges: list[Bridge] = []
        row_terms: set[int] | None = None
        for i in np.argsort(-contribution, kind="stable").tolist():
            term = vocab[shared[i]]
            if term.startswith(CONCEPT_PREFIX):
                row_terms = row_terms if row_terms is not None else set(row_cols.tolist())
                bridge = self._bridge(term[len(CONCEPT_PREFIX) :], query.tokens, row_terms)
                if (
                    bridge is not None
                    and len(bridges) < MAX_TERMS
                    and specific(bridge.query_term)
                    and specific(bridge.candidate_term)
                ):
                    bridges.append(bridge)
            elif len(words) < MAX_TERMS and specific(term):
                words.append(display(term))  # generic words (系统, 平台, 数据) are never reasons
        return tuple(dict.fromkeys(words)), tuple(bridges)

    def _is_reason(self, term: str) -> bool:
        """Whether a shared term is specific enough to be shown (remembered per term)."""
        known = self._reasons.get(term)
        if known is None:
            known = self._reasons[term] = is_specific(term, self.platform())
        return known

    def _bridge(
        self, label: str, query_words: frozenset[str], row_terms: set[int]
    ) -> Bridge | None:
        members = self.synonyms.members_of.get(label, ())
        ours = [m for m in members if m in query_words]
        ids = self.words.vocab.ids
        theirs = [m for m in members if ids.get(m, -1) in row_terms]
        if not ours or not theirs or set(ours) & set(theirs):
            return None  # the same word on both sides is already a shared term
        return Bridge(ours[0], theirs[0], label)


def phrases(tokens: Sequence[str]) -> list[str]:
    """Adjacent word pairs of a field (信号 + 配时), each a term of its own: two listings that
    share a multi-word term in the same order score more than ones sharing its words apart.
    Pairs with a single character are left out (mostly a cut the dictionary lacks)."""
    return [
        a + PHRASE_JOIN + b
        for a, b in zip(tokens, tokens[1:], strict=False)
        if len(a) > 1 and len(b) > 1 and a != b
    ]


def _report(progress: Progress | None, done: int, total: int) -> None:
    """Tell a progress callback every thousand listings, and at the end when total is known."""
    if progress is not None and (done % 1000 == 0 or done == total):
        progress(done, total)


@dataclass(frozen=True, slots=True)
class Query:
    """A query listing in an index's spaces."""

    words: Vector
    chars: Vector
    domain_bits: int
    domains: frozenset[str]
    tags: frozenset[str]
    district: int
    tokens: frozenset[str]  # the query's own words (synonym bridges name them)
    topic: np.ndarray | None = None  # unit topic vector when the index has a topic space
