"""Corpus-derived term association: a latent semantic (LSA) space over both sides' listings.

Words that occur in the same listings (across the scenario and the capability corpora) end
up near each other in a space of a few dozen dimensions, so a need and a product written in
different but co-occurring words still get a similarity. It is fitted without labels on the texts of
both sides at once (their own vocabulary and IDF: the candidate index alone, e.g. a few
dozen scenarios, is too small to learn from) and gives the `topic` signal, a small weight
beside the word and character cosines. The space has one dimension per DOCS_PER_TOPIC fitted
documents (at most MAX_TOPICS): on the dev set n/4–n/8 helped, n/3 over-fitted the
vocabulary (no gain for c2s), a fixed 50 helped only when every listing of both sides was
in the fit.

Fitting: the documents' field-weighted terms (the index's word_terms: title, tags, body,
aside, synonym concepts) weighted log1p(tf) × smooth IDF, rows L2-normalised, truncated SVD
(deterministic: see _right_singular_vectors). A document's topic vector is its weighted row
projected on the right singular vectors, L2-normalised. At most MAX_FIT_DOCS documents
(an even sample: `sample`) are used to fit; every document can be projected, and an index's
rows are projected in one product through `basis_for` (its own vocabulary and IDF).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse
from scipy.sparse.linalg import svds

if TYPE_CHECKING:
    from app.matching.specificity import Platform

DOCS_PER_TOPIC = 5  # dimensions: one per five fitted documents, at most MAX_TOPICS
MAX_TOPICS = 60
MIN_DOCS = 10  # fewer documents than this: no topic space (the signal stays 0)
DENSE_UP_TO = 1_000  # documents: up to this many, the SVD goes through the dense Gram matrix
MAX_FIT_DOCS = 3_000  # an even sample of a larger corpus is fitted (SVD cost grows fast)
DTYPE = np.float32

Doc = tuple[Sequence[str], Sequence[float]]


class Topics:
    """A fitted LSA space: vocabulary, IDF and the basis (vocabulary × dimensions)."""

    # both sides' document frequencies, set by the index that fitted the space (fit_topics)
    platform: Platform | None = None

    def __init__(self, ids: dict[str, int], idf: np.ndarray, basis: np.ndarray) -> None:
        self.ids = ids
        self.idf = idf
        self.basis = basis

    @property
    def dimensions(self) -> int:
        return int(self.basis.shape[1])

    @staticmethod
    def sample(count: int) -> list[int]:
        """Positions of the documents to fit on among count (all, or an even sample)."""
        if count <= MAX_FIT_DOCS:
            return list(range(count))
        step = count / MAX_FIT_DOCS
        return [int(i * step) for i in range(MAX_FIT_DOCS)]

    @classmethod
    def fit(cls, docs: Sequence[Doc], dimensions: int | None = None) -> Topics | None:
        """The space of the given documents; None when there are too few of them.

        dimensions defaults to one per DOCS_PER_TOPIC documents, at most MAX_TOPICS.
        """
        if dimensions is None:
            dimensions = min(len(docs) // DOCS_PER_TOPIC, MAX_TOPICS)
        docs = [docs[i] for i in cls.sample(len(docs))]
        ids: dict[str, int] = {}
        counts = _counts(docs, ids)
        k = min(dimensions, min(counts.shape) - 1)
        if len(docs) < MIN_DOCS or k < 1:
            return None
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        idf = np.log((1.0 + counts.shape[0]) / (1.0 + df)) + 1.0
        matrix = _weigh(counts, idf)
        return cls(ids, idf, _right_singular_vectors(matrix, k))

    def vector(self, doc: Doc) -> np.ndarray:
        """The unit topic vector of one document (queries, adds); zeros without known terms."""
        terms, weights = doc
        get = self.ids.get
        known = [
            (col, w) for col, w in zip(map(get, terms), weights, strict=True) if col is not None
        ]
        if not known:
            return np.zeros(self.dimensions, dtype=DTYPE)
        cols, inverse = np.unique(np.array([c for c, _ in known]), return_inverse=True)
        tf = np.bincount(inverse, weights=np.array([w for _, w in known], dtype=np.float64))
        projected = (np.log1p(tf) * self.idf[cols]) @ self.basis[cols]
        norm = float(np.linalg.norm(projected))
        vector: np.ndarray = (projected / (norm or 1.0)).astype(DTYPE)
        return vector

    def basis_for(self, ids: dict[str, int], idf: np.ndarray) -> np.ndarray:
        """The basis for rows weighted log1p(tf) × `idf` over the vocabulary `ids` (an index's
        word space): row @ basis points where vector() of the same document does."""
        out = np.zeros((len(ids), self.dimensions), dtype=np.float64)
        pairs = [(col, self.ids[term]) for term, col in ids.items() if term in self.ids]
        if pairs:
            cols, ours = (np.array(x, dtype=np.int64) for x in zip(*pairs, strict=True))
            scale = self.idf[ours] / np.asarray(idf, dtype=np.float64)[cols]
            out[cols] = self.basis[ours] * scale[:, None]
        return out


def _right_singular_vectors(matrix: sparse.csr_matrix, k: int) -> np.ndarray:
    """The k leading right singular vectors (vocabulary × k) of a documents × terms matrix.

    Up to DENSE_UP_TO documents through the eigenvectors of the small dense Gram matrix
    (exact, and far quicker than ARPACK when k is a fair share of the documents); beyond it
    ARPACK with a fixed start vector. Either way deterministic.
    """
    if matrix.shape[0] <= DENSE_UP_TO:
        values, vectors = np.linalg.eigh((matrix @ matrix.T).toarray())
        top = np.argsort(-values, kind="stable")[:k]
        top = top[values[top] > 1e-10]  # duplicate listings leave fewer dimensions
        return np.ascontiguousarray((matrix.T @ vectors[:, top]) / np.sqrt(values[top]))
    start = np.random.default_rng(0).uniform(-1.0, 1.0, min(matrix.shape))
    _u, _s, vt = svds(matrix, k=k, v0=start)
    return np.ascontiguousarray(vt.T)


def _counts(docs: Sequence[Doc], ids: dict[str, int]) -> sparse.csr_matrix:
    """Documents' summed term counts; ids gains every new term (column ids, in order)."""
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for row, (terms, weights) in enumerate(docs):
        for term, weight in zip(terms, weights, strict=True):
            col = ids.get(term)
            if col is None:
                col = ids[term] = len(ids)
            rows.append(row)
            cols.append(col)
            vals.append(weight)
    matrix = sparse.csr_matrix(
        (np.asarray(vals, np.float64), (rows, cols)), shape=(len(docs), len(ids))
    )
    matrix.sum_duplicates()
    return matrix


def _weigh(counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """log1p(tf) × IDF, rows L2-normalised."""
    out = counts.copy()
    out.data = np.log1p(out.data) * idf[out.indices]
    norms = np.sqrt(np.asarray(out.multiply(out).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ out)
