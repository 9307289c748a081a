"""Metric files in multi-process mode: one set per slot a live process holds, never per pid."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.ops.multiproc import Slots, clean, process_exited


@pytest.fixture
def slots(tmp_path: Path) -> Iterator[list[Slots]]:
    """Slot holders standing for processes; their locks are released after the test."""
    made: list[Slots] = []
    yield made
    for holder in made:
        die(holder)


def hold(directory: Path, made: list[Slots]) -> Slots:
    """A process taking a slot (a new flock, as a new process would)."""
    holder = Slots(directory)
    holder()
    made.append(holder)
    return holder


def die(holder: Slots) -> None:
    """The process ends: the kernel releases its lock."""
    if holder._fd is not None:
        os.close(holder._fd)
        holder._fd = None


def test_live_processes_hold_distinct_slots(tmp_path: Path, slots: list[Slots]) -> None:
    first, second = hold(tmp_path, slots), hold(tmp_path, slots)
    assert (first(), second()) == ("s0", "s1")
    assert first() == "s0", "stable for the life of the process"
    assert (tmp_path / "slot-0.lock").read_text() == str(os.getpid())


def test_a_successor_takes_the_slot_of_a_dead_process(tmp_path: Path, slots: list[Slots]) -> None:
    first, _second = hold(tmp_path, slots), hold(tmp_path, slots)
    (tmp_path / "counter_s0.db").write_bytes(b"counts")
    (tmp_path / "gauge_livesum_s0.db").write_bytes(b"in progress")
    die(first)
    successor = hold(tmp_path, slots)
    assert successor() == "s0"
    assert (tmp_path / "counter_s0.db").exists(), "counts carry on: sums stay monotonic"
    assert not (tmp_path / "gauge_livesum_s0.db").exists(), "live gauges died with the process"


def test_clean_keeps_only_the_files_of_slots_still_held(tmp_path: Path, slots: list[Slots]) -> None:
    held = hold(tmp_path, slots)
    gone = hold(tmp_path, slots)
    die(gone)
    for name in ("counter_s0.db", "histogram_s0.db", "counter_s1.db", "counter_4242.db"):
        (tmp_path / name).write_bytes(b"x")
    assert clean(tmp_path) == 2
    assert sorted(p.name for p in tmp_path.glob("*.db")) == ["counter_s0.db", "histogram_s0.db"]
    assert held() == "s0"
    assert hold(tmp_path, slots)() == "s1", "the slot freed by clean is taken again"


def test_a_dead_workers_live_gauges_are_dropped_by_pid(tmp_path: Path, slots: list[Slots]) -> None:
    hold(tmp_path, slots)
    (tmp_path / "gauge_livesum_s0.db").write_bytes(b"x")
    (tmp_path / "counter_s0.db").write_bytes(b"x")
    process_exited(tmp_path, pid=os.getpid() + 1)  # someone else
    assert (tmp_path / "gauge_livesum_s0.db").exists()
    process_exited(tmp_path, pid=os.getpid())
    assert not (tmp_path / "gauge_livesum_s0.db").exists()
    assert (tmp_path / "counter_s0.db").exists()
