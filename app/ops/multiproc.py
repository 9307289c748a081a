"""prometheus_client's multi-process mode with a bounded number of files.

In multi-process mode (PROMETHEUS_MULTIPROC_DIR set) each process writes its metrics to files
named after its process identifier, the pid by default, and a scrape merges every file. gunicorn
recycles web workers (max_requests) and RQ forks a work horse per job, so pid-named files would
pile up by the thousand and each scrape would read them all. Here a process instead takes the
lowest free *slot*, held with an flock for as long as it lives, and writes that slot's files: a
successor carries on from the counts its predecessor left (sums stay monotonic), and the
directory holds as many sets of files as processes ever ran at once.

Only the standard library is used: gunicorn's master imports this for its hooks.
"""

from __future__ import annotations

import fcntl
import os
import re
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"
LOCK = re.compile(r"^slot-(\d+)\.lock$")
SLOT_FILE = re.compile(r"^[a-z]+(?:_[a-z]+)?_(s\d+)\.db$")


def directory() -> Path | None:
    """The multi-process directory, or None in single-process mode."""
    value = os.environ.get(ENV, "").strip()
    return Path(value) if value else None


def _try_lock(path: Path) -> int | None:
    """An fd holding the exclusive lock of `path`, or None when another process holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def remove_live_gauges(path: Path, slot: str) -> None:
    """Forget a slot's live gauges (in-progress requests): they died with its last process."""
    for stale in path.glob(f"gauge_live*_{slot}.db"):
        stale.unlink(missing_ok=True)


class Slots:
    """prometheus_client's process identifier: the name of the slot this process holds."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._pid = 0
        self._fd: int | None = None
        self._slot = ""

    def __call__(self) -> str:
        """This process's slot, taken on first use and again after a fork."""
        if os.getpid() != self._pid:
            self._take()
        return self._slot

    def _take(self) -> None:
        if self._fd is not None:  # inherited: the lock stays with the parent's descriptor
            os.close(self._fd)
        self.path.mkdir(parents=True, exist_ok=True)
        number, fd = 0, _try_lock(self.path / "slot-0.lock")
        while fd is None:
            number += 1
            fd = _try_lock(self.path / f"slot-{number}.lock")
        # the holder's pid, so gunicorn's child_exit hook can find the slot of a dead worker
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd, self._pid, self._slot = fd, os.getpid(), f"s{number}"
        remove_live_gauges(self.path, self._slot)


def clean(path: Path) -> int:
    """Remove the files of every slot no process holds, and any other metrics file; how many.

    Run when gunicorn starts: counters begin again from zero, and a metric renamed by an
    upgrade does not linger. Slots still held (another service sharing the directory) are kept.
    """
    path.mkdir(parents=True, exist_ok=True)
    held: set[str] = set()
    taken: list[int] = []  # free slots stay locked until their files are gone
    try:
        for lock in path.glob("slot-*.lock"):
            fd = _try_lock(lock)
            if fd is None:
                held.add(f"s{LOCK.match(lock.name).group(1)}")  # type: ignore[union-attr]
            else:
                taken.append(fd)
        removed = 0
        for file in path.glob("*.db"):
            match = SLOT_FILE.match(file.name)
            if match is None or match.group(1) not in held:
                file.unlink(missing_ok=True)
                removed += 1
    finally:
        for fd in taken:
            os.close(fd)
    return removed


def process_exited(path: Path, pid: int) -> None:
    """gunicorn's child_exit: drop the live gauges of the slot the dead worker held."""
    for lock in path.glob("slot-*.lock"):
        try:
            holder = lock.read_text().strip()
        except OSError:
            continue
        if holder == str(pid):
            remove_live_gauges(path, f"s{LOCK.match(lock.name).group(1)}")  # type: ignore[union-attr]
