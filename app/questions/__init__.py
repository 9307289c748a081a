"""场景答疑: public clarification questions on open scenarios, and following a scenario (关注)."""

from flask import Blueprint

from app.notifications.services import KINDS

bp = Blueprint("questions", __name__)

# the kinds this feature sends; users switch them off like any other (通知设置)
KINDS.setdefault("question_asked", "场景答疑：收到新提问")
KINDS.setdefault("question_answered", "场景答疑：新的答复")

from app.questions import views  # noqa: E402, F401  (routes register on import)
