"""Queries behind the home page: counts and latest listings (list pages use app.search)."""

from __future__ import annotations

from typing import cast

from app.dashboard import figures
from app.models import Capability, Scenario
from app.search import queries


def counts() -> dict[str, int]:
    """The headline figures on the home page: the dashboard's definitions (one statement)."""
    return figures.headline()


def latest_scenarios(limit: int) -> list[Scenario]:
    """The newest published scenarios (read from the newest-first index)."""
    return cast(list[Scenario], queries.newest("scenario", limit))


def latest_capabilities(limit: int) -> list[Capability]:
    """The newest published capabilities (read from the newest-first index)."""
    return cast(list[Capability], queries.newest("capability", limit))
