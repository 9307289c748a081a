"""Spreading batch work (tokenising a corpus, all-pairs search) over the machine's cores.

Only for batch paths (the rank command, all-pairs): workers are forked so that they share the
loaded engine and index without pickling them. A web request never forks.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 2_000  # below this, a fork costs more than it saves
_TASK: Callable[[Any], Any] | None = None


def _run(chunk: Sequence[Any]) -> list[Any]:
    assert _TASK is not None  # noqa: S101 -- set by parallel_map before the fork
    return [_TASK(item) for item in chunk]


def die_on_sigterm() -> None:
    """In a forked worker: SIGTERM ends it, whatever handler the parent had.

    gunicorn's workers and RQ's worker handle SIGTERM by setting a flag, and a fork inherits
    the handler: Pool.terminate() (after a failed task) then waited for ever for a worker that
    took the signal and went on waiting for its next task.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def workers_available() -> int:
    """How many processes may run: the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def parallel_map(
    task: Callable[[T], R],
    items: Sequence[T],
    workers: int | None = None,
    min_items: int = MIN_ITEMS,
) -> list[R]:
    """[task(x) for x in items], in order, over forked workers when it pays off."""
    workers = workers or workers_available()
    can_fork = "fork" in multiprocessing.get_all_start_methods()
    if workers < 2 or len(items) < min_items or not can_fork:
        return [task(item) for item in items]
    global _TASK
    _TASK = task
    try:
        size = -(-len(items) // (workers * 4))  # a few chunks per worker evens out the load
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        pool = multiprocessing.get_context("fork").Pool(workers, initializer=die_on_sigterm)
        try:
            parts = pool.map(_run, chunks)
            pool.close()  # workers finish and exit on their own: no signal is sent to them
        except BaseException:
            pool.terminate()
            raise
        finally:
            pool.join()
        return [result for part in parts for result in part]
    finally:
        _TASK = None
