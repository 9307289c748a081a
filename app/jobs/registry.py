"""What jobs exist: each is a function registered under a stable name with its limits."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

# Modules that declare jobs; imported wherever jobs are run (web processes, RQ workers).
JOB_MODULES = (
    "app.jobs.housekeeping",
    "app.audit_log.jobs",
    "app.batches.jobs",
    "app.dashboard.jobs",
    "app.excel.jobs",
    "app.listings.jobs",
    "app.notifications.jobs",
    "app.open_data.jobs",
    "app.engine_builds.jobs",
    "app.search.jobs",
)


class Progress(Protocol):
    """What a running job may report."""

    def progress(self, done: int, total: int, note: str = "") -> None:
        """Record how far the job has come (shown to whoever waits for it)."""


@dataclass(frozen=True)
class JobSpec:
    """A registered job: its function and how it is run."""

    name: str
    label: str  # the Chinese name administrators see
    func: Callable[..., dict[str, Any] | None]
    timeout: int  # seconds one attempt may take before it is stopped
    attempts: int  # 1: no retry
    backoff: tuple[int, ...]  # seconds before the 2nd, 3rd … attempt (the last value repeats)
    queue: str  # "default" for short work, "bulk" for long work (imports, rebuilds)

    def delay_before(self, attempt: int) -> int:
        """Seconds to wait before attempt number `attempt` (2, 3, …)."""
        if attempt <= 1 or not self.backoff:
            return 0
        return self.backoff[min(attempt - 2, len(self.backoff) - 1)]


_REGISTRY: dict[str, JobSpec] = {}


def job(
    name: str,
    *,
    label: str,
    timeout: int = 600,
    attempts: int = 3,
    backoff: tuple[int, ...] = (30, 120, 600),
    queue: str = "default",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `func(ctx, **args)` as the job `name`; its args must be JSON values."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        if name in _REGISTRY and _REGISTRY[name].func is not func:
            raise ValueError(f"job {name!r} is registered twice")
        _REGISTRY[name] = JobSpec(name, label, func, timeout, attempts, backoff, queue)
        return func

    return register


def load() -> None:
    """Import every module that declares jobs (idempotent)."""
    for module in JOB_MODULES:
        importlib.import_module(module)


def spec(name: str) -> JobSpec:
    """The registered job of a name (KeyError when unknown)."""
    if name not in _REGISTRY:
        load()
    return _REGISTRY[name]


def label(name: str) -> str:
    """The Chinese name of a job, or its name when it is not (or no longer) registered."""
    try:
        return spec(name).label
    except KeyError:
        return name
