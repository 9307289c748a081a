"""Value types the matching engine takes and returns (frozen, hashable, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Listing:
    """One side of a pair: a scenario or a capability, as plain text and labels."""

    id: str
    title: str
    description: str
    tags: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    district: str = ""
    is_local: bool | None = None


@dataclass(frozen=True, slots=True)
class Filters:
    """Conditions a candidate must meet, applied inside the engine before the top-N cut."""

    domains: frozenset[str] = frozenset()  # share at least one of these domains
    districts: frozenset[str] = frozenset()  # be in one of these districts
    local_only: bool = False  # be a local (Jinan) organisation

    @property
    def active(self) -> bool:
        """True when any condition is set."""
        return bool(self.domains or self.districts or self.local_only)


@dataclass(frozen=True, slots=True)
class Bridge:
    """Two different words the synonym table joins: what the query said, what the candidate said."""

    query_term: str
    candidate_term: str
    concept: str


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a candidate was ranked where it was, in parts an official can check."""

    terms: tuple[str, ...] = ()  # shared key terms, largest contribution first
    bridges: tuple[Bridge, ...] = ()  # words joined through the synonym table
    shared_domains: tuple[str, ...] = ()
    shared_tags: tuple[str, ...] = ()
    same_district: bool = False
    is_local: bool | None = None
    # (signal name, weighted contribution); their sum is the score before the local bonus
    contributions: tuple[tuple[str, float], ...] = ()
    local_bonus: float = 0.0


@dataclass(frozen=True, slots=True)
class Match:
    """A ranked candidate: its id, a score in [0, 1], shared key terms and the full explanation."""

    id: str
    score: float
    terms: tuple[str, ...] = ()
    explanation: Explanation | None = None
    signals: tuple[tuple[str, float], ...] = ()  # raw signal values, the re-ranker's features
