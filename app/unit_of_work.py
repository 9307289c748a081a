"""One unit of work per request: services flush, this module commits (or rolls back).

* The request commits once, in the first `after_request` hook to run: a response under 400
  commits the session, an error response rolls it back, an exception rolls it back. A view
  whose error answer must still keep its writes (an audit record of a refusal, a failure
  counter, a refused API token) says so with `keep()`.
* A view calls its use case inside `attempt(form)`: a SAVEPOINT, flushed at its end, so a
  domain error, a version conflict or a duplicate surfaces there; a refusal rolls back to the
  savepoint and becomes the form field's error or a flashed message (the one place that turns
  a domain error into a message).

Jobs queued by the request are handed to their queue only once this commit happens
(app/jobs/dispatch.py listens for the commit), whatever the queue.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

import sqlalchemy.exc as sa_exc
from flask import Flask, flash, g, got_request_exception, has_request_context, make_response
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response

from app.errors import DUPLICATE, MESSAGES, DomainError, StaleError, is_duplicate, render_error
from app.extensions import db
from app.forms import EmptyForm

KEEP_KEY = "unit_of_work_keep"
FAILED_KEY = "unit_of_work_failed"
PACE_KEY = "unit_of_work_answer_at"


@dataclass
class Outcome:
    """What became of an attempted use case: `error` is None when it went through."""

    error: DomainError | None = None
    stale: bool = False

    @property
    def refused(self) -> bool:
        """Whether the use case was refused (its changes are rolled back)."""
        return self.error is not None


def keep() -> None:
    """Commit this request's work even though it answers with an error status (4xx/5xx
    other than an exception): e.g. the audit record of a refusal, a failed-login count."""
    g.setdefault(KEEP_KEY, True)


def answer_no_sooner_than(seconds: float) -> None:
    """Hold the answer until `seconds` after now, counting the commit (and the hand-off of
    its jobs): answers whose writes differ then take the same time (no timing oracle)."""
    g.setdefault(PACE_KEY, time.monotonic() + seconds)


@contextmanager
def attempt(
    form: Any = None,
    *,
    field: str | None = None,
    stale: str | None = None,
    category: str = "danger",
    stale_category: str | None = None,
    quiet: bool = False,
) -> Iterator[Outcome]:
    """Run a use case in a savepoint; a refusal rolls it back and is shown (unless `quiet`).

    A domain error goes on the field of `form` it names (or on `field` when it names none),
    else is flashed as `category`; a version conflict is flashed as `stale` (or its own
    message, or the 409 text) in `stale_category`."""
    outcome = Outcome()
    savepoint = db.session.begin_nested()
    try:
        yield outcome
        db.session.flush()  # conflicts and duplicates surface here, not at the commit
    except (StaleError, StaleDataError) as error:
        if savepoint.is_active:
            savepoint.rollback()
        outcome.stale = True
        message = stale or getattr(error, "message", None) or str(MESSAGES[409])
        outcome.error = StaleError(message)
        if not quiet:
            flash(message, stale_category or category)
        return
    except DomainError as error:
        if savepoint.is_active:
            savepoint.rollback()
        outcome.error = error
        if not quiet:
            show(error, form, category, field)
        return
    except BaseException:
        if savepoint.is_active:
            savepoint.rollback()
        raise
    savepoint.commit()


def button(action: Callable[[], object], done: str) -> None:
    """A button's POST (an EmptyForm): run `action` in `attempt()`, flash `done` unless refused."""
    if EmptyForm().validate_on_submit():
        with attempt() as outcome:
            action()
        if not outcome.refused:
            flash(done, "success")


def show(
    error: DomainError, form: Any = None, category: str = "danger", default: str | None = None
) -> None:
    """A refusal as the error of the form field it names (or `default`), else flashed."""
    category = getattr(error, "category", None) or category  # e.g. a repeated submission
    name = error.field or default
    field = getattr(form, name, None) if name and form is not None else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, category)


def finish(response: Response) -> Response:
    """Commit the request's work if it succeeded (or was kept), else roll it back."""
    try:
        return _commit_or_roll_back(response)
    finally:
        if PACE_KEY in g:
            time.sleep(max(0.0, g.pop(PACE_KEY) - time.monotonic()))


def _commit_or_roll_back(response: Response) -> Response:
    ok = response.status_code < 400 or g.get(KEEP_KEY, False)
    if not ok or g.get(FAILED_KEY, False):
        _rollback()
        return response
    try:
        db.session.commit()
    except sa_exc.IntegrityError as error:
        _rollback()
        if not is_duplicate(error):
            raise
        return make_response(render_error(409, DUPLICATE))
    except StaleDataError:
        _rollback()
        return make_response(render_error(409))
    except BaseException:
        _rollback()
        raise  # an outage becomes the 503 page, anything else the 500 page (app/errors.py)
    return response


def _rollback() -> None:
    with suppress(sa_exc.SQLAlchemyError):  # during an outage the connection may be gone
        db.session.rollback()


def _failed(_sender: Flask, **_extra: Any) -> None:
    if has_request_context():
        g.setdefault(FAILED_KEY, True)


def _end(error: BaseException | None) -> None:
    if error is not None:
        _rollback()


def init_app(app: Flask) -> None:
    """Install the commit hook; call it LAST: after_request hooks run in reverse order of
    registration, so the commit runs before the page cache, the API cache, metrics, headers
    or logs see the response as done, and a failed commit still changes the answer."""
    app.after_request(finish)
    app.teardown_request(_end)
    got_request_exception.connect(_failed, app)
