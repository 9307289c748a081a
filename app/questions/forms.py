"""Forms of 场景答疑: ask (one-time token), answer, hide, follow."""

from __future__ import annotations

from wtforms import BooleanField, TextAreaField

from app.forms import Form, between, required, strip, submission_token
from app.questions.services import (
    ANSWER_MAX,
    ANSWER_MIN,
    QUESTION_MAX,
    QUESTION_MIN,
    REASON_MAX,
    REASON_MIN,
)


class AskForm(Form):
    """A firm's question; the token keeps a double click from asking twice."""

    question = TextAreaField(
        "问题",
        filters=[strip],
        validators=[required("请填写问题。"), between(QUESTION_MIN, QUESTION_MAX)],
    )
    submission = submission_token()


class AnswerForm(Form):
    """The publisher's answer (or its correction)."""

    answer = TextAreaField(
        "答复",
        filters=[strip],
        validators=[required("请填写答复。"), between(ANSWER_MIN, ANSWER_MAX)],
    )


class HideForm(Form):
    """An administrator's reason for hiding a question."""

    reason = TextAreaField(
        "隐藏原因",
        filters=[strip],
        validators=[required("请填写隐藏原因。"), between(REASON_MIN, REASON_MAX)],
    )


class FollowForm(Form):
    """关注 / 取消关注."""

    on = BooleanField()
