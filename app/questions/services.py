"""Use cases of 场景答疑: ask, answer, hide, follow, and the lists each reader may see.

Services flush, never commit; refusals are DomainErrors with the Chinese message to show.
The asker is never named publicly, nor to the publisher (a fair clarification, as in public
procurement): only the asker and administrators see who asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from app import audit, clock
from app.errors import DomainError
from app.extensions import db
from app.i18n import N_
from app.models import (
    Engagement,
    ListingStatus,
    QuestionStatus,
    Scenario,
    ScenarioFollow,
    ScenarioQuestion,
    User,
)
from app.notifications import services as notifications
from app.questions import policies
from app.security.policies import Visitor, is_owner, is_reviewer

QUESTION_MIN, QUESTION_MAX = 5, 500
ANSWER_MIN, ANSWER_MAX = 2, 2000
REASON_MIN, REASON_MAX = 2, 200
DAILY_LIMIT = 10  # questions per user in any 24 hours
CLOSED = "提问已截止"
TOO_MANY = f"提问过于频繁：每个账号24小时内最多提问{DAILY_LIMIT}次，请稍后再试。"


def ask(user: User, scenario: Scenario, text: str) -> ScenarioQuestion:
    """A firm asks about an open scenario; the publisher is told (the asker is not named)."""
    if (refusal := closed_message(scenario)) is not None:
        raise DomainError(refusal)
    if not policies.can_ask(user, scenario):
        raise DomainError("只有审核通过的数字企业可以提问。")
    text = text.strip()
    if not QUESTION_MIN <= len(text) <= QUESTION_MAX:
        raise DomainError(f"问题应为{QUESTION_MIN}至{QUESTION_MAX}个字。", field="question")
    if asked_recently(user) >= DAILY_LIMIT:
        raise DomainError(TOO_MANY)
    question = ScenarioQuestion(scenario_id=scenario.id, asker_id=user.id, question=text)
    db.session.add(question)
    db.session.flush()
    audit.record(user, "question_ask", question, f"scenario {scenario.id}")
    notifications.notify_organization(
        scenario.organization_id,
        "question_asked",
        f"场景“{scenario.title}”收到新的提问",
        link="/my/questions",
        body=text,
    )
    return question


def closed_message(scenario: Scenario) -> str | None:
    """Why the scenario takes no questions now, or None while it is open."""
    if scenario.is_published:
        return None
    if scenario.is_past_deadline or scenario.status is ListingStatus.EXPIRED:
        return N_("提问已截止：该场景申报截止日期已过。")  # starts with CLOSED
    return N_("该场景不在发布状态，不能提问。")


def asked_recently(user: User) -> int:
    """How many questions the user asked in the last 24 hours."""
    since = clock.now() - timedelta(days=1)
    query = sa.select(sa.func.count()).where(
        ScenarioQuestion.asker_id == user.id, ScenarioQuestion.created_at >= since
    )
    return db.session.scalar(query) or 0


def answer(user: User, question: ScenarioQuestion, text: str) -> bool:
    """The publisher answers (or corrects an answer); True for a first answer.

    A pending question may be answered at any time, so none asked in time goes unanswered; an
    answer may be corrected until the application deadline, after which firms have applied
    on its basis. A first answer is announced to the asker, the applicants and the followers.
    """
    if not policies.can_answer(user, question):
        raise DomainError("您不能答复该提问。")
    text = text.strip()
    if not ANSWER_MIN <= len(text) <= ANSWER_MAX:
        raise DomainError(f"答复应为{ANSWER_MIN}至{ANSWER_MAX}个字。", field="answer")
    scenario = question.scenario
    first = not question.is_answered
    if not first and not scenario.is_published:
        raise DomainError("申报已截止或场景已结束，答复不能再修改。")
    now = clock.now()
    if first:
        question.status = QuestionStatus.ANSWERED
        question.answered_at = now
    else:
        question.answer_edited_at = now
    question.answer = text
    question.answered_by_id = user.id
    db.session.flush()
    audit.record(user, "question_answer" if first else "question_answer_edit", question)
    if first:
        _announce(question)
    return first


def _announce(question: ScenarioQuestion) -> None:
    """Tell the asker, and everyone who applied to or follows the scenario, of a new answer."""
    scenario = question.scenario
    link = f"/scenarios/{scenario.id}#questions"
    asker = db.session.get(User, question.asker_id) if question.asker_id else None
    if asker is not None:
        # their list shows the answer even once the scenario page is closed to them
        title = f"您对“{scenario.title}”的提问已获答复"
        notifications.notify([asker], "question_answered", title, "/my/questions")
    others = [u for u in interested_users(scenario.id) if asker is None or u.id != asker.id]
    notifications.notify(others, "question_answered", f"场景“{scenario.title}”有新的答疑", link)


def interested_users(scenario_id: int) -> list[User]:
    """Users of the firms that applied to the scenario, and users who follow it."""
    applicants = sa.select(Engagement.firm_id).where(Engagement.scenario_id == scenario_id)
    followers = sa.select(ScenarioFollow.user_id).where(ScenarioFollow.scenario_id == scenario_id)
    query = (
        sa.select(User)
        .where(sa.or_(User.organization_id.in_(applicants), User.id.in_(followers)))
        .order_by(User.id)
    )
    return list(db.session.scalars(query))


def hide(user: User, question: ScenarioQuestion, reason: str) -> None:
    """An administrator hides an abusive question: it leaves the public page and every list."""
    if not policies.can_hide(user, question):
        raise DomainError("该提问已隐藏。")
    reason = reason.strip()
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        raise DomainError(f"隐藏原因应为{REASON_MIN}至{REASON_MAX}个字。", field="reason")
    question.hidden_at = clock.now()
    question.hidden_by_id = user.id
    question.hidden_reason = reason
    db.session.flush()
    audit.record(user, "question_hide", question, reason)


def follow(user: User, scenario: Scenario, on: bool) -> None:
    """Follow (关注) or stop following a scenario; doing it twice changes nothing."""
    existing = following(user, scenario)
    if on and existing is None:
        db.session.add(ScenarioFollow(scenario_id=scenario.id, user_id=user.id))
    elif not on and existing is not None:
        db.session.delete(existing)
    db.session.flush()


def following(user: User, scenario: Scenario) -> ScenarioFollow | None:
    """The user's follow of the scenario, if any."""
    query = sa.select(ScenarioFollow).where(
        ScenarioFollow.scenario_id == scenario.id, ScenarioFollow.user_id == user.id
    )
    return db.session.scalar(query)


def _visible() -> sa.ColumnElement[bool]:
    return ScenarioQuestion.hidden_at.is_(None)


def _visible_of(
    scenario_id: int, status: QuestionStatus, order: InstrumentedAttribute[Any]
) -> list[ScenarioQuestion]:
    """A scenario's visible questions in one status, by `order` then id."""
    query = (
        sa.select(ScenarioQuestion)
        .where(
            ScenarioQuestion.scenario_id == scenario_id,
            ScenarioQuestion.status == status,
            _visible(),
        )
        .order_by(order, ScenarioQuestion.id)
    )
    return list(db.session.scalars(query))


def public_answers(scenario_id: int) -> list[ScenarioQuestion]:
    """Answered, visible questions of a scenario, oldest answer first (as published)."""
    return _visible_of(scenario_id, QuestionStatus.ANSWERED, ScenarioQuestion.answered_at)


def pending(scenario_id: int) -> list[ScenarioQuestion]:
    """Visible questions still waiting for an answer, oldest first."""
    return _visible_of(scenario_id, QuestionStatus.PENDING, ScenarioQuestion.created_at)


def asked_by(user: User, scenario_id: int | None = None) -> sa.Select[ScenarioQuestion]:
    """The user's own questions (hidden ones too, with the reason), newest first."""
    query = sa.select(ScenarioQuestion).where(ScenarioQuestion.asker_id == user.id)
    if scenario_id is not None:
        query = query.where(ScenarioQuestion.scenario_id == scenario_id)
    return query.order_by(ScenarioQuestion.created_at.desc(), ScenarioQuestion.id.desc())


def for_publisher(organization_id: int) -> sa.Select[ScenarioQuestion]:
    """Visible questions on the organisation's scenarios: pending first, then newest."""
    return (
        sa.select(ScenarioQuestion)
        .join(Scenario, Scenario.id == ScenarioQuestion.scenario_id)
        .where(Scenario.organization_id == organization_id, _visible())
        .order_by(
            (ScenarioQuestion.status == QuestionStatus.PENDING).desc(),
            ScenarioQuestion.created_at.desc(),
            ScenarioQuestion.id.desc(),
        )
    )


def for_review() -> sa.Select[ScenarioQuestion]:
    """Every question, newest first, for administrators (who also see the hidden ones)."""
    return sa.select(ScenarioQuestion).order_by(
        ScenarioQuestion.created_at.desc(), ScenarioQuestion.id.desc()
    )


def askers(questions: list[ScenarioQuestion]) -> dict[int, User]:
    """The askers of these questions by id (administrators' moderation list only)."""
    ids = {q.asker_id for q in questions if q.asker_id is not None}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}


@dataclass
class Section:
    """What the scenario page's 答疑 section shows to the current reader."""

    answered: list[ScenarioQuestion]
    pending: list[ScenarioQuestion] = field(default_factory=list)
    mine: list[ScenarioQuestion] = field(default_factory=list)
    can_ask: bool = False
    closed: bool = False  # the deadline passed or the scenario ended: asking is over
    closed_message: str = ""
    can_follow: bool = False
    following: bool = False
    moderator: bool = False
    can_answer: bool = False
    can_edit_answers: bool = False
    forms: dict[str, Any] = field(default_factory=dict)  # filled by the view for signed-in users


def section(user: Visitor, scenario: Scenario) -> Section:
    """The section for this reader: public answers for all; forms and lists by role."""
    refusal = closed_message(scenario)
    view = Section(
        answered=public_answers(scenario.id),
        closed=refusal is not None and scenario.published_at is not None,
        closed_message=refusal or "",
    )
    if not isinstance(user, User):  # the anonymous visitor is Flask-Login's stand-in
        return view
    view.can_ask = policies.can_ask(user, scenario)
    view.can_follow = policies.can_follow(user, scenario)
    view.following = view.can_follow and following(user, scenario) is not None
    view.moderator = is_reviewer(user)
    view.can_answer = is_owner(user, scenario)
    view.can_edit_answers = view.can_answer and scenario.is_published
    if policies.sees_pending(user, scenario):
        view.pending = pending(scenario.id)
    if view.can_follow:  # a firm: its own questions still pending (or hidden, with why)
        view.mine = [
            q
            for q in db.session.scalars(asked_by(user, scenario.id))
            if not q.is_answered or q.is_hidden
        ]
    return view
