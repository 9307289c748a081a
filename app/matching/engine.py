"""The engine: tokenises listings once, indexes one side, ranks the other against it."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence

from app.matching.features import Features, Featurizer
from app.matching.index import Index, Progress, Scorer, Segment
from app.matching.parallel import MIN_ITEMS, parallel_map, workers_available
from app.matching.synonyms import DEFAULT_SYNONYMS_DIR, Synonyms, load_synonyms
from app.matching.text import Tokenizer
from app.matching.topics import Topics
from app.matching.types import Filters, Listing, Match
from app.matching.weights import DEFAULT_WEIGHTS_PATH, Weights, load_weights

# a few shares per worker even out the load; each share's vocabulary is merged in the parent
SHARES_PER_WORKER = 4


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

    def with_weights(self, weights: Weights) -> Engine:
        """An engine with other weights sharing this one's tokenizer, synonyms and feature
        cache (features do not depend on weights; the tokenizer is not touched again)."""
        other = object.__new__(Engine)
        other.__dict__.update(self.__dict__)
        other.weights = weights
        return other

    def features(self, listing: Listing) -> Features:
        """Tokenise a listing (cached by value)."""
        cached = self._cache.get(listing)
        if cached is None:
            cached = self.featurizer.features(listing)
            self._cache.put(listing, cached)
        return cached

    def new_index(self) -> Index:
        """An empty index with this engine's weights and synonyms."""
        return Index(self.weights, self.synonyms)

    def build_index(
        self,
        items: Iterable[tuple[str, Features]],
        progress: Progress | None = None,
        total: int = 0,
    ) -> Index:
        """A full index from stored features (no tokenising)."""
        index = self.new_index()
        index.build(items, progress, total)
        return index

    def index_listings(
        self, listings: Sequence[Listing], workers: int | None = None, sample: Sequence[int] = ()
    ) -> tuple[Index, list[Features]]:
        """A full index of listings, tokenised and counted over every core (batch only), and
        the features of the listings at the positions `sample` (ascending; to fit topics on).

        Each worker tokenises and counts a share of the listings and sends back compact
        arrays (a `Segment`); merging them in order gives the index `build_index` would.
        """
        index = self.new_index()
        wanted = frozenset(sample)
        workers = workers or workers_available()
        if workers < 2 or len(listings) < MIN_ITEMS:
            features = [self.features(x) for x in listings]
            index.build(zip([x.id for x in listings], features, strict=True))
            return index, [features[p] for p in sorted(wanted)]
        size = -(-len(listings) // (workers * SHARES_PER_WORKER))

        def share(start: int) -> tuple[Segment, list[Features]]:
            part = listings[start : start + size]
            features = [self.featurizer.features(x) for x in part]
            kept = [f for p, f in enumerate(features, start) if p in wanted]
            return index.segment(zip([x.id for x in part], features, strict=True)), kept

        shares = parallel_map(share, range(0, len(listings), size), workers=workers, min_items=1)
        index.build_from_segments([segment for segment, _ in shares])
        return index, [f for _, kept in shares for f in kept]

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
        n = len(candidates)
        positions = Topics.sample(n + len(queries))  # the listings the topic space is fitted on
        index, sample = self.index_listings(candidates, sample=[p for p in positions if p < n])
        sample += [self.features(queries[p - n]) for p in positions if p >= n]
        index.fit_topics(sample)  # LSA over both sides (topics.py)
        return parallel_map(  # queries are tokenised in the workers too
            lambda q: index.search(self.features(q), top, filters, min_score, self.scorer),
            queries,
            min_items=200,
        )


# The name the application and older callers use.
Matcher = Engine
