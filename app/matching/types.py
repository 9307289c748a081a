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
class Match:
    """A ranked candidate: its id, a score in [0, 1] and the shared key terms."""

    id: str
    score: float
    terms: tuple[str, ...] = ()
