"""Reference rankers for `evaluate` only: BM25 and plain TF-IDF, no field weighting."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rank_bm25 import BM25Okapi
from sklearn.feature_extraction.text import TfidfVectorizer

from app.matching.text import Tokenizer
from app.matching.types import Listing, Match

SCORE_DIGITS = 6


def identity(tokens: Sequence[str]) -> Sequence[str]:
    """Return pre-tokenised input unchanged (the analyzer for TfidfVectorizer)."""
    return tokens


def select_top(scores: np.ndarray, top: int, min_score: float) -> list[tuple[int, float]]:
    """Return (index, rounded score) of the best scores, ties kept in input order."""
    rounded = np.round(scores, SCORE_DIGITS)
    order = np.argsort(-rounded, kind="stable")
    picked = [(int(i), float(rounded[i])) for i in order[:top]]
    return [(i, s) for i, s in picked if s >= min_score]


def _all_tokens(tokenizer: Tokenizer, listing: Listing) -> list[str]:
    """Return title, tag and description tokens once each (no weighting)."""
    text = " ".join((listing.title, *listing.tags, listing.description))
    return tokenizer.tokens(text)


def _title_description(tokenizer: Tokenizer, listing: Listing) -> list[str]:
    """Return title and description tokens."""
    return tokenizer.tokens(f"{listing.title} {listing.description}")


def _to_matches(
    scores: np.ndarray, candidates: Sequence[Listing], top: int, min_score: float
) -> list[Match]:
    """Turn a [0, 1] score row into Matches (baselines give no explanation terms)."""
    return [Match(candidates[j].id, s) for j, s in select_top(scores, top, min_score)]


def bm25_scores(query: Sequence[str], model: BM25Okapi | None, size: int) -> np.ndarray:
    """Return BM25 scores scaled by the query's best score into [0, 1]."""
    if model is None:
        return np.zeros(size)
    raw = np.clip(np.asarray(model.get_scores(list(query)), dtype=float), 0.0, None)
    best = raw.max(initial=0.0)
    return raw / best if best > 0 else raw


def bm25_rank(
    queries: Sequence[Listing],
    candidates: Sequence[Listing],
    top: int = 10,
    min_score: float = 0.0,
    *,
    tokenizer: Tokenizer,
) -> list[list[Match]]:
    """Rank with BM25Okapi fitted on the candidates' jieba tokens."""
    if not candidates or top <= 0:
        return [[] for _ in queries]
    corpus = [_all_tokens(tokenizer, c) for c in candidates]
    # rank_bm25 divides by the vocabulary size and mean length: both 0 for an empty corpus.
    model = BM25Okapi(corpus) if any(corpus) else None
    return [
        _to_matches(
            bm25_scores(_all_tokens(tokenizer, q), model, len(candidates)),
            candidates,
            top,
            min_score,
        )
        for q in queries
    ]


def plain_tfidf_rank(
    queries: Sequence[Listing],
    candidates: Sequence[Listing],
    top: int = 10,
    min_score: float = 0.0,
    *,
    tokenizer: Tokenizer,
) -> list[list[Match]]:
    """Rank by cosine of default TF-IDF over title and description tokens."""
    if not candidates or top <= 0:
        return [[] for _ in queries]
    docs = [_title_description(tokenizer, x) for x in (*queries, *candidates)]
    scores = np.zeros((len(queries), len(candidates)))
    if any(docs):
        matrix = TfidfVectorizer(analyzer=identity).fit_transform(docs)
        n = len(queries)
        scores = (matrix[:n] @ matrix[n:].T).toarray()
    return [_to_matches(np.clip(row, 0.0, 1.0), candidates, top, min_score) for row in scores]


def char_bigram_tfidf_rank(
    queries: Sequence[Listing],
    candidates: Sequence[Listing],
    top: int = 10,
    min_score: float = 0.0,
) -> list[list[Match]]:
    """Rank by cosine of TF-IDF over the character bigrams of title and description."""
    if not candidates or top <= 0:
        return [[] for _ in queries]
    docs = [f"{x.title} {x.description}" for x in (*queries, *candidates)]
    matrix = TfidfVectorizer(analyzer="char", ngram_range=(2, 2)).fit_transform(docs)
    n = len(queries)
    scores = (matrix[:n] @ matrix[n:].T).toarray()
    return [_to_matches(np.clip(row, 0.0, 1.0), candidates, top, min_score) for row in scores]
