"""How the web tier asks for matches: from a matcher in its own process (no MATCHING_URL: the
embedded default and the test suite) or from the machine's matching process over HTTP.

Both take the querying listing as the engine sees it (`Listing`: its text and labels as the
web tier has them, so a listing not committed yet, such as one being approved, can be
matched) and tokenise it with the engine they serve, so a query is always cut like the index
it searches. They answer with the matches and the version of the engine that ranked them.
MatchingUnavailable means "try again later": pages show a notice instead, jobs retry.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import httpx

from app.matching import Bridge, Explanation, Filters, Listing, Match
from app.recommendations.matcher import Answer, Matcher

logger = logging.getLogger(__name__)


class MatchingUnavailable(RuntimeError):
    """The matching service did not answer in time (or is still starting): retry later."""


# ---------------------------------------------------------------------- wire format
def filters_to_json(filters: Filters | None) -> dict[str, Any]:
    """Filters as JSON (sorted lists: the same filters give the same JSON)."""
    if filters is None:
        return {}
    return {
        "domains": sorted(filters.domains),
        "districts": sorted(filters.districts),
        "local_only": filters.local_only,
    }


def filters_from_json(data: dict[str, Any] | None) -> Filters:
    """Filters from filters_to_json(); ValueError on anything else."""
    data = data or {}
    domains, districts = data.get("domains", []), data.get("districts", [])
    if not isinstance(domains, list) or not isinstance(districts, list):
        raise ValueError("filters.domains and filters.districts must be lists")
    return Filters(
        domains=frozenset(str(d) for d in domains),
        districts=frozenset(str(d) for d in districts),
        local_only=bool(data.get("local_only", False)),
    )


def listing_to_json(listing: Listing) -> dict[str, Any]:
    """A Listing as JSON."""
    return asdict(listing)


def listing_from_json(data: dict[str, Any]) -> Listing:
    """A Listing from listing_to_json(); ValueError on a malformed one."""
    try:
        is_local = data.get("is_local")
        return Listing(
            id=str(data["id"]),
            title=str(data["title"]),
            description=str(data["description"]),
            tags=tuple(str(t) for t in data.get("tags", ())),
            domains=tuple(str(d) for d in data.get("domains", ())),
            district=str(data.get("district") or ""),
            is_local=None if is_local is None else bool(is_local),
        )
    except (KeyError, TypeError) as error:
        raise ValueError(f"malformed listing: {error}") from error


def match_to_json(match: Match) -> dict[str, Any]:
    """A Match as JSON (its explanation included)."""
    return asdict(match)


def match_from_json(data: dict[str, Any]) -> Match:
    """A Match from match_to_json()."""
    raw = data.get("explanation")
    explanation = None
    if raw is not None:
        explanation = Explanation(
            terms=tuple(raw["terms"]),
            bridges=tuple(Bridge(**b) for b in raw["bridges"]),
            shared_domains=tuple(raw["shared_domains"]),
            shared_tags=tuple(raw["shared_tags"]),
            same_district=raw["same_district"],
            is_local=raw["is_local"],
            contributions=tuple((name, value) for name, value in raw["contributions"]),
            local_bonus=raw["local_bonus"],
        )
    return Match(
        id=str(data["id"]),
        score=float(data["score"]),
        terms=tuple(data["terms"]),
        explanation=explanation,
        signals=tuple((name, value) for name, value in data["signals"]),
    )


def answer_from_json(data: dict[str, Any]) -> Answer:
    """An Answer from the matching process's JSON."""
    return Answer([match_from_json(m) for m in data["matches"]], str(data["engine_version"]))


# ---------------------------------------------------------------------- clients
@dataclass(frozen=True)
class Ask:
    """One recommendation request: the best `top` listings of the other side for `query`.

    sync: apply every committed change first (non-page callers that must see a listing
    published a moment ago); pages rely on the follower instead.
    """

    side: str
    listing_id: int
    query: Listing
    top: int
    filters: Filters | None = None
    min_score: float = 0.0
    sync: bool = False


class MatchingClient(Protocol):
    """What the web tier needs from matching, wherever it runs."""

    def recommend(self, ask: Ask) -> Answer:
        """The best listings of the other side for `ask.query`, a listing of `ask.side`."""
        ...

    def score(self, query: Listing, candidates: Sequence[Listing]) -> Answer:
        """Every candidate scored against one listing, best first."""
        ...

    def status(self) -> dict[str, Any]:
        """What is served (Matcher.status)."""
        ...


class LocalMatching:
    """A matcher in this process, brought up to date with the feed before each use."""

    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher

    def recommend(self, ask: Ask) -> Answer:
        """Matcher.search after following the feed."""
        self.matcher.follow()
        return self.matcher.search(ask.side, ask.query, ask.top, ask.filters, ask.min_score)

    def score(self, query: Listing, candidates: Sequence[Listing]) -> Answer:
        """Matcher.score with the current engine."""
        self.matcher.follow()
        return self.matcher.score(query, candidates)

    def status(self) -> dict[str, Any]:
        """Matcher.status after following the feed."""
        self.matcher.follow()
        return self.matcher.status()


class HttpMatching:
    """The matching process over HTTP, with a connection pool per process (created lazily,
    so a worker forked after start-up never shares its parent's sockets)."""

    def __init__(self, base_url: str, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._client: httpx.Client | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def _http(self) -> httpx.Client:
        with self._lock:
            if self._client is None or self._pid != os.getpid():
                self._client = httpx.Client(
                    base_url=self.base_url,
                    timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 0.5)),
                    limits=httpx.Limits(max_connections=32, max_keepalive_connections=8),
                )
                self._pid = os.getpid()
            return self._client

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """The JSON answer; MatchingUnavailable when the process cannot answer now."""
        try:
            response = self._http().request(method, path, json=body)
        except httpx.HTTPError as error:
            logger.warning("matching service %s%s: %s", self.base_url, path, error)
            raise MatchingUnavailable(f"matching service unreachable: {error}") from error
        if not response.is_success:
            logger.warning(
                "matching service %s%s answered %s: %s",
                self.base_url,
                path,
                response.status_code,
                response.text[:200],
            )
            raise MatchingUnavailable(f"matching service answered {response.status_code}")
        return response.json()

    def recommend(self, ask: Ask) -> Answer:
        """POST /v1/recommend."""
        body = {
            "side": ask.side,
            "id": ask.listing_id,
            "listing": listing_to_json(ask.query),
            "top": ask.top,
            "min_score": ask.min_score,
            "filters": filters_to_json(ask.filters),
            "sync": ask.sync,
        }
        return answer_from_json(self._call("POST", "/v1/recommend", body))

    def score(self, query: Listing, candidates: Sequence[Listing]) -> Answer:
        """POST /v1/score."""
        body = {
            "listing": listing_to_json(query),
            "candidates": [listing_to_json(c) for c in candidates],
        }
        return answer_from_json(self._call("POST", "/v1/score", body))

    def status(self) -> dict[str, Any]:
        """GET /readyz (a process still loading answers 503: unavailable)."""
        return self._call("GET", "/readyz")

    def close(self) -> None:
        """Close the pool (tests)."""
        if self._client is not None:
            self._client.close()
            self._client = None
