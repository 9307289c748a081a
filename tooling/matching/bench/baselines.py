"""Baselines the engine is measured against, independent of the engine's own code.

All three use the same plain tokenisation: a private jieba instance with the seed dictionary
(`seed/matching/dict.txt`), precise mode without HMM, lower-casing, the seed stop words and
tokens without a letter or digit dropped. A listing's text is its title, tags and description.

- `NaiveRefit`: per query, fit a TfidfVectorizer on the candidates' tokens plus the query and
  take the cosine top k (the walking skeleton's way; candidate tokens are cached, as its token
  cache did, so the refit alone is measured).
- `BM25Baseline`: rank_bm25's BM25Okapi built once over the candidates' tokens; per query
  `get_scores` and an argpartition top k.
- `plain_rank`: the plain jieba + scikit-learn batch ranker: tokenise everything, one
  TfidfVectorizer fit_transform, cosine by sparse products in blocks, argpartition top k.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import jieba
import numpy as np
from rank_bm25 import BM25Okapi
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from app.matching.types import Listing

SEED_DIR = Path(__file__).resolve().parents[3] / "seed" / "matching"
_NUMBER = re.compile(r"[0-9.,:%+\-/]+")

jieba.setLogLevel(logging.WARNING)

Ranked = list[tuple[int, float]]


def identity(tokens: Sequence[str]) -> Sequence[str]:
    """Return pre-tokenised input unchanged (the analyzer for TfidfVectorizer)."""
    return tokens


def listing_text(listing: Listing) -> str:
    """Return the text the baselines tokenise: title, tags and description."""
    return " ".join((listing.title, *listing.tags, listing.description))


class PlainTokenizer:
    """jieba precise mode (no HMM) with the seed dictionary and stop words, nothing else."""

    def __init__(self, seed_dir: Path = SEED_DIR) -> None:
        """Load jieba's base dictionary, the seed user dictionary and the stop words."""
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        for line in _lines(seed_dir / "dict.txt"):
            word, *rest = line.split()
            freq = int(rest[0]) if rest and rest[0].isdigit() else None
            self._jieba.add_word(word.lower(), freq)
        self.stopwords = frozenset(w.lower() for w in _lines(seed_dir / "stopwords.txt"))

    def tokens(self, text: str) -> list[str]:
        """Return the content tokens of text in order."""
        stop = self.stopwords
        return [
            t
            for t in self._jieba.lcut(text.lower(), HMM=False)
            if t not in stop and any(c.isalnum() for c in t) and not _NUMBER.fullmatch(t)
        ]

    def listing_tokens(self, listing: Listing) -> list[str]:
        """Return the tokens of a listing's title, tags and description."""
        return self.tokens(listing_text(listing))


def _lines(path: Path) -> list[str]:
    """Return the non-blank, non-comment lines of a seed file (none if it is missing)."""
    if not path.exists():
        return []
    lines = (raw.strip() for raw in path.read_text(encoding="utf-8-sig").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def top_k(scores: np.ndarray, k: int) -> Ranked:
    """Return (index, score) of the k best scores, best first, positive scores only."""
    picked = np.argpartition(-scores, k - 1)[:k] if len(scores) > k else np.arange(len(scores))
    picked = picked[np.argsort(-scores[picked], kind="stable")]
    return [(int(i), float(scores[i])) for i in picked if scores[i] > 0]


class NaiveRefit:
    """Refit TF-IDF on all candidates plus the query for every query."""

    def __init__(self, candidate_tokens: Sequence[Sequence[str]]) -> None:
        """Keep the candidates' tokens (tokenised once, as a token cache would)."""
        self.candidate_tokens = list(candidate_tokens)

    def query(self, tokens: Sequence[str], top: int = 10) -> Ranked:
        """Fit, transform and take the cosine top of one query."""
        matrix = TfidfVectorizer(analyzer=identity).fit_transform([*self.candidate_tokens, tokens])
        matrix = sparse.csr_matrix(matrix)
        scores = (matrix[:-1] @ matrix[-1].T).toarray().ravel()
        return top_k(scores, top)


class BM25Baseline:
    """rank_bm25's BM25Okapi over the candidates, scored query by query."""

    def __init__(self, candidate_tokens: Sequence[Sequence[str]]) -> None:
        """Build the BM25 model once."""
        self.model = BM25Okapi([list(t) for t in candidate_tokens])

    def query(self, tokens: Sequence[str], top: int = 10) -> Ranked:
        """Score every candidate with get_scores and take the top."""
        return top_k(np.asarray(self.model.get_scores(list(tokens)), dtype=float), top)


def plain_rank(
    queries: Sequence[Listing],
    candidates: Sequence[Listing],
    top: int = 10,
    *,
    tokenizer: PlainTokenizer,
    block: int = 128,
    on_tokens: Callable[[list[list[str]]], None] | None = None,
    timings: dict[str, float] | None = None,
) -> list[Ranked]:
    """Rank candidates for every query: jieba, one TF-IDF fit, blocked cosine, argpartition.

    on_tokens, when given, receives the candidates' tokens (so callers can reuse them untimed);
    timings, when given, receives tokenize_s, fit_s and score_s.
    """
    started = time.perf_counter()
    candidate_tokens = [tokenizer.listing_tokens(c) for c in candidates]
    query_tokens = [tokenizer.listing_tokens(q) for q in queries]
    tokenized = time.perf_counter()
    if on_tokens is not None:
        on_tokens(candidate_tokens)
    matrix = TfidfVectorizer(analyzer=identity).fit_transform([*query_tokens, *candidate_tokens])
    matrix = sparse.csr_matrix(matrix, dtype=np.float32)
    fitted = time.perf_counter()
    n = len(queries)
    q_matrix, c_matrix = matrix[:n], matrix[n:]
    results: list[Ranked] = []
    for start in range(0, n, block):
        # Candidates × block of queries: sparse × dense keeps the product fast and bounded.
        dense_queries = q_matrix[start : start + block].T.toarray()
        scores = np.asarray(c_matrix @ dense_queries)
        k = min(top, scores.shape[0])
        if k == 0:
            results += [[] for _ in range(dense_queries.shape[1])]
            continue
        best = np.argpartition(-scores, k - 1, axis=0)[:k]
        for col in range(scores.shape[1]):
            results.append(top_k_of(best[:, col], scores[:, col]))
    if timings is not None:
        timings["tokenize_s"] = tokenized - started
        timings["fit_s"] = fitted - tokenized
        timings["score_s"] = time.perf_counter() - fitted
    return results


def top_k_of(indices: np.ndarray, scores: np.ndarray) -> Ranked:
    """Order preselected candidate indices by score, best first, positive scores only."""
    ordered = indices[np.argsort(-scores[indices], kind="stable")]
    return [(int(i), float(scores[i])) for i in ordered if scores[i] > 0]
