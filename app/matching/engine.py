"""The engine: tokenises listings once, indexes one side, ranks the other against it."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence

from app.matching.features import Features, Featurizer
from app.matching.index import Index, Progress, Scorer
from app.matching.parallel import MIN_ITEMS, parallel_map
from app.matching.synonyms import DEFAULT_SYNONYMS_DIR, Synonyms, load_synonyms
from app.matching.text import Tokenizer
from app.matching.types import Filters, Listing, Match
from app.matching.weights import DEFAULT_WEIGHTS_PATH, Weights, load_weights


class FeatureCache:
    """A thread-safe bounded LRU of listings' features (tokenising is the costly step)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Listing, Features] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Listing) -> Features | None:
        """The cached features of a listing, marked recently used."""
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Listing, value: Features) -> None:
        """Store features, evicting the least recently used beyond the bound."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class Engine:
    """Tokenizer, synonyms and weights together; builds indexes and ranks listings."""

    def __init__(
        self,
        tokenizer: Tokenizer | None = None,
        weights: Weights | None = None,
        synonyms: Synonyms | None = None,
        cache_size: int = 20_000,
        scorer: Scorer | None = None,
    ) -> None:
        """Defaults come from seed/matching (dictionary, stop words, synonyms, weights)."""
        self.tokenizer = tokenizer if tokenizer is not None else Tokenizer()
        self.weights = weights if weights is not None else load_weights(DEFAULT_WEIGHTS_PATH)
        self.synonyms = synonyms if synonyms is not None else load_synonyms(DEFAULT_SYNONYMS_DIR)
        for word in self.synonyms.members():  # keep every synonym whole when cutting text
            self.tokenizer.add_word(word)
        self.featurizer = Featurizer(self.tokenizer)
        self.scorer = scorer
        self._cache = FeatureCache(cache_size)

    def features(self, listing: Listing) -> Features:
        """Tokenise a listing (cached by value)."""
        cached = self._cache.get(listing)
        if cached is None:
            cached = self.featurizer.features(listing)
            self._cache.put(listing, cached)
        return cached

    def features_many(self, listings: Sequence[Listing]) -> list[Features]:
        """Tokenise many listings, over every core when there are enough of them (batch only)."""
        if len(listings) < MIN_ITEMS:
            return [self.features(x) for x in listings]
        # workers send packed features back: far cheaper to pickle than thousands of strings
        packed = parallel_map(lambda x: self.features(x).pack(), listings)
        return [Features.unpack(p) for p in packed]

    def new_index(self) -> Index:
        """An empty index with this engine's weights and synonyms."""
        return Index(self.weights, self.synonyms)

    def build_index(
        self,
        items: Iterable[tuple[str, Features]],
        progress: Progress | None = None,
        parallel: bool = False,
        total: int = 0,
    ) -> Index:
        """A full index from stored features (no tokenising); parallel only in batch jobs."""
        index = self.new_index()
        index.build(items, progress, parallel, total)
        return index

    def search(
        self,
        index: Index,
        query: Listing | Features,
        top: int = 10,
        filters: Filters | None = None,
        min_score: float = 0.0,
    ) -> list[Match]:
        """One query against an index, with this engine's scorer (re-ranker) if any."""
        f = query if isinstance(query, Features) else self.features(query)
        return index.search(f, top, filters, min_score, self.scorer)

    def rank(
        self,
        queries: Sequence[Listing],
        candidates: Sequence[Listing],
        top: int = 10,
        min_score: float = 0.0,
        filters: Filters | None = None,
    ) -> list[list[Match]]:
        """Per query, the best candidates, best first (batch ranking: one index, many queries)."""
        if not candidates or top <= 0:
            return [[] for _ in queries]
        features = self.features_many([*candidates, *queries])
        index = self.build_index(
            zip([c.id for c in candidates], features[: len(candidates)], strict=True),
        )
        asked = features[len(candidates) :]
        index.fit_topics(features[: len(candidates)], asked)  # LSA over both sides (topics.py)
        return parallel_map(
            lambda f: index.search(f, top, filters, min_score, self.scorer), asked, min_items=200
        )


# The name the application and older callers use.
Matcher = Engine
