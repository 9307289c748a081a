"""A listing's publication runs its steps from one place: app/listings/publication.py."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP_DIR = Path(__file__).resolve().parents[2] / "app"
PUBLICATION = APP_DIR / "listings" / "publication.py"
# the steps only a publication runs (matchers and releases also follow other changes); the
# benchmarks under app/bench build their own worlds
STEPS = {"index_listing", "alert_for"}
ELSEWHERE = ("bench/",)


def step_calls(source: str) -> list[str]:
    """The publication steps a source calls, and any enqueue of the follow-up job by name."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
        if name in STEPS:
            found.append(name)
        elif (
            name == "enqueue"
            and node.args
            and getattr(node.args[0], "value", None) == ("listings.published")
        ):
            found.append("enqueue listings.published")
    return found


def test_publication_lists_its_steps() -> None:
    assert set(step_calls(PUBLICATION.read_text(encoding="utf-8"))) == STEPS


def test_no_publication_step_runs_elsewhere() -> None:
    found = {
        path.relative_to(APP_DIR).as_posix(): calls
        for path in sorted(APP_DIR.rglob("*.py"))
        if path != PUBLICATION and not path.relative_to(APP_DIR).as_posix().startswith(ELSEWHERE)
        if (calls := step_calls(path.read_text(encoding="utf-8")))
    }
    assert found == {}, "call app.listings.publication.published instead"


@pytest.mark.parametrize(
    "source",
    [
        "search.index_listing(listing)",
        "saved_searches.alert_for(listing)",
        'enqueue("listings.published", side="scenario", listing_id=1, first=True)',
    ],
)
def test_checker_sees_steps(source: str) -> None:
    assert step_calls(source) != []
