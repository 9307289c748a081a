"""Who may ask, answer, hide and follow: pure functions of a user and a scenario or question."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.models.org import Role
from app.security.policies import Visitor, in_approved_organization, is_owner, is_reviewer

if TYPE_CHECKING:
    from app.models import Scenario, ScenarioQuestion


def can_ask(user: Visitor, scenario: Scenario) -> bool:
    """A user of an approved firm, on a scenario that is published and not past its deadline."""
    return (
        getattr(user, "role", None) is Role.FIRM
        and in_approved_organization(user)
        and scenario.is_published
    )


def can_answer(user: Visitor, question: ScenarioQuestion) -> bool:
    """The scenario's publisher answers a visible question (see services for the time rules)."""
    return is_owner(user, question.scenario) and not question.is_hidden


def can_hide(user: Visitor, question: ScenarioQuestion) -> bool:
    """Administrators hide abusive questions, once."""
    return is_reviewer(user) and not question.is_hidden


def sees_pending(user: Visitor, scenario: Scenario) -> bool:
    """Unanswered questions are shown to the scenario's publisher and to administrators."""
    return is_owner(user, scenario) or is_reviewer(user)


def can_follow(user: Visitor, scenario: Scenario) -> bool:
    """Firms follow scenarios they may see (the scenario's own publisher is told anyway)."""
    return getattr(user, "role", None) is Role.FIRM and bool(
        getattr(user, "is_authenticated", False)
    )
