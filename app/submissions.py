"""One-time form tokens: a create form submitted twice (a double click, a second tab, two
simultaneous requests) creates one record; the repeat is refused and sent to that record.

The token is claimed (inserted and flushed) in the transaction that creates the record, so
both commit or neither does: a refused or failed submission leaves its token free for the
corrected form. Requests without a token (older pages, API-style clients) are not checked.
"""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.errors import DomainError
from app.extensions import db
from app.models import FormSubmission
from app.models.base import utcnow
from app.security.policies import Visitor

REPEATED = "该表单已提交，请勿重复提交。"
MAX_AGE = timedelta(days=2)  # a form left open longer is taken as new (and tokens are swept)
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


class Repeated(DomainError):
    """This form was submitted already; `location` is where the first submission led."""

    category = "warning"  # not a mistake of the user's: the first submission went through

    def __init__(self, location: str) -> None:
        super().__init__(REPEATED)
        self.location = location


def claim(token: str | None, user: Visitor) -> FormSubmission | None:
    """Take the token for this submission (flushed), or raise Repeated; None without a token."""
    if not token or not _TOKEN.match(token):
        return None
    _refuse_if_taken(token, user)
    submission = FormSubmission(token=token, user_id=getattr(user, "id", None))
    try:
        with db.session.begin_nested():  # a refusal undoes the claim only, not the request
            db.session.add(submission)
    except IntegrityError:  # the same form is being saved by a simultaneous request
        _refuse_if_taken(token, user)  # its transaction has committed: send the user there
        raise Repeated("") from None  # it rolled back after all: nothing to show
    return submission


def _refuse_if_taken(token: str, user: Visitor) -> None:
    taken = db.session.scalar(sa.select(FormSubmission).where(FormSubmission.token == token))
    if taken is not None:
        own = taken.user_id == getattr(user, "id", None)
        raise Repeated(taken.location if own else "")


def done(submission: FormSubmission | None, location: str) -> None:
    """Remember where the submission led, for a repeat of it."""
    if submission is not None:
        submission.location = location[:500]


def sweep(max_age: timedelta = MAX_AGE) -> int:
    """Forget tokens older than max_age; how many were removed."""
    result = db.session.execute(
        sa.delete(FormSubmission).where(FormSubmission.created_at < utcnow() - max_age)
    )
    return int(getattr(result, "rowcount", 0) or 0)
