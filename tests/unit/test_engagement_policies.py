"""Who sees an engagement and who may move it, checked without HTTP or a database."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.engagements.lifecycle import FIRM, PUBLISHER, TRANSITIONS
from app.models import EngagementStage, Role
from app.security import policies

S = EngagementStage


@dataclass
class User:
    role: Role
    organization_id: int | None
    is_authenticated: bool = True


@dataclass
class Engagement:
    firm_id: int = 2
    publisher_id: int = 1


@pytest.mark.parametrize(
    ("user", "party", "visible"),
    [
        (User(Role.PUBLISHER, 1), "publisher", True),
        (User(Role.FIRM, 2), "firm", True),
        (User(Role.FIRM, 3), None, False),
        (User(Role.PUBLISHER, 4), None, False),
        (User(Role.REVIEWER, None), None, True),
        (User(Role.FIRM, 2, is_authenticated=False), None, False),
    ],
)
def test_parties_and_administrators_see_an_engagement(
    user: User, party: str | None, visible: bool
) -> None:
    assert policies.engagement_party(user, Engagement()) == party
    assert policies.can_view_engagement(user, Engagement()) is visible


def test_the_transition_table_is_the_documented_one() -> None:
    table = {t.target: (set(t.sources), set(t.parties)) for t in TRANSITIONS.values()}
    assert table == {
        S.NEGOTIATING: ({S.INTENT}, {PUBLISHER, FIRM}),
        S.SIGNED: ({S.NEGOTIATING}, {PUBLISHER}),
        S.LANDED: ({S.SIGNED}, {FIRM}),
        S.TERMINATED: ({S.INTENT, S.NEGOTIATING, S.SIGNED}, {PUBLISHER, FIRM}),
    }


def test_landed_and_terminated_are_final() -> None:
    for transition in TRANSITIONS.values():
        assert not transition.sources & {S.LANDED, S.TERMINATED}
