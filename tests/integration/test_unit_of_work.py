"""One unit of work per request (app/unit_of_work.py): views never commit or roll back; the
request commits once when it succeeds, and a refused use case leaves nothing behind."""

from __future__ import annotations

import ast
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask, abort, get_flashed_messages, render_template_string
from flask_wtf import FlaskForm
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from wtforms import StringField

from app import unit_of_work
from app.config import ROOT
from app.errors import DUPLICATE, DomainError
from app.extensions import db
from app.models import FormSubmission
from app.security import access

FORBIDDEN = ("db.session.commit(", "db.session.rollback(")


ROUTE_METHODS = {"route", "get", "post", "put", "patch", "delete"}
# not routes, but run inside every request as a view would (the API's before_request hook)
REQUEST_HOOK_MODULES = {"app/api/hooks.py"}


def _is_route_decorator(decorator: ast.expr) -> bool:
    """``@bp.route(…)``, ``@app.get(…)``, ``@bp.<anything>`` but the blueprint's CLI group."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    if not isinstance(target, ast.Attribute):
        return False
    dotted = ast.unparse(target)
    if dotted.startswith("bp.") and not dotted.startswith("bp.cli."):
        return True
    return isinstance(decorator, ast.Call) and target.attr in ROUTE_METHODS


def _defines_routes(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and any(map(_is_route_decorator, node.decorator_list)):
            return True
        if isinstance(node, ast.Attribute) and node.attr == "add_url_rule":
            return True
    return False


def route_modules() -> list[Path]:
    """Every module under app/ that defines routes (CLI commands and jobs keep their commits)."""
    return [
        path
        for path in sorted((ROOT / "app").rglob("*.py"))
        if path.relative_to(ROOT).as_posix() in REQUEST_HOOK_MODULES
        or _defines_routes(ast.parse(path.read_text(encoding="utf-8")))
    ]


def test_route_modules_are_found() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in route_modules()}
    assert {"app/auth/views.py", "app/review/views.py", "app/staff/token_views.py"} <= names
    assert {"app/api/listings.py", "app/api/hooks.py", "app/questions/views.py"} <= names
    assert "app/open_data/cli.py" not in names  # commands commit for themselves


def test_no_view_module_commits_or_rolls_back() -> None:
    offenders = []
    for path in route_modules():
        name = path.relative_to(ROOT).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if any(call in line for call in FORBIDDEN):
                offenders.append(f"{name}:{number}: {line.strip()}")
    assert not offenders, "views leave the commit to app/unit_of_work.py:\n" + "\n".join(offenders)


def test_no_view_module_catches_domain_errors() -> None:
    """A refusal becomes a message in unit_of_work.attempt only (not in each view)."""
    offenders = []
    for path in route_modules():
        name = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ExceptHandler) and "DomainError" in ast.unparse(
                node.type or ast.Constant(None)
            ):
                offenders.append(f"{name}:{node.lineno}")
    assert not offenders, offenders


def test_the_commit_runs_before_every_other_after_request_hook(app: Flask) -> None:
    """after_request hooks run last-registered first: the page cache, the API cache, metrics
    and headers see a response whose work is committed (or replaced if the commit failed)."""
    assert app.after_request_funcs[None][-1] is unit_of_work.finish
    assert not any(name for name in app.after_request_funcs if name is not None)


class NameForm(FlaskForm):
    name = StringField()


def _token() -> str:
    return uuid.uuid4().hex


def _add(token: str) -> None:
    db.session.add(FormSubmission(token=token, location="test"))
    db.session.flush()


def _stored(token: str) -> bool:
    db.session.expire_all()
    return (
        db.session.scalar(sa.select(FormSubmission.id).where(FormSubmission.token == token))
        is not None
    )


PAGE = (
    "{{ form.name.errors|join('|') }}#"
    "{% for category, message in get_flashed_messages(with_categories=true) %}"
    "{{ category }}:{{ message }}{% endfor %}"
)


def _routes(application: Flask) -> None:
    """Views that write one row, then succeed, refuse, fail or answer with an error."""

    @application.route("/uow/attempt/<token>/<field>", methods=["POST"])
    def attempt_view(token: str, field: str) -> str:
        form = NameForm()
        with unit_of_work.attempt(form) as outcome:
            _add(token)
            if field != "none":
                raise DomainError("名称已被占用。", field=None if field == "-" else field)
        return render_template_string(PAGE, form=form) + f"#refused={outcome.refused}"

    @application.route("/uow/stale/<token>", methods=["POST"])
    def stale_view(token: str) -> str:
        with unit_of_work.attempt(stale="已被他人修改。") as outcome:
            _add(token)
            raise StaleDataError("version")
        return f"{outcome.stale}#{get_flashed_messages()}"

    @application.route("/uow/status/<token>/<int:status>/<how>", methods=["POST"])
    def status_view(token: str, status: int, how: str) -> tuple[str, int]:
        _add(token)
        if how.startswith("keep"):
            unit_of_work.keep()
        if how.endswith("abort"):
            abort(status)
        return "answer", status

    @application.route("/uow/raise/<token>/<keep>", methods=["POST"])
    def raise_view(token: str, keep: str) -> str:
        _add(token)
        if keep == "keep":
            unit_of_work.keep()
        raise RuntimeError("boom")

    @application.route("/uow/paced/<token>", methods=["POST"])
    def paced_view(token: str) -> str:
        unit_of_work.answer_no_sooner_than(0.2)
        _add(token)
        return "paced"

    @application.route("/uow/duplicate/<token>", methods=["POST"])
    def duplicate_view(token: str) -> str:
        db.session.add(FormSubmission(token=token, location="again"))  # met at the commit
        return "saved"

    for rule in application.url_map.iter_rules():
        if rule.endpoint.endswith("_view"):
            access.ENDPOINT_ACCESS[rule.endpoint] = access.PUBLIC


@pytest.fixture
def probe(fresh_app: Callable[..., Flask]) -> Iterator[Flask]:
    """An app with the views above (exceptions reach the test, as in the suite)."""
    application = fresh_app(WTF_CSRF_ENABLED=False)
    _routes(application)
    yield application
    for name in [k for k in access.ENDPOINT_ACCESS if k.endswith("_view")]:
        del access.ENDPOINT_ACCESS[name]


@pytest.fixture
def commits() -> Iterator[list[Session]]:
    """Every outermost commit made while the test runs."""
    seen: list[Session] = []

    def count(session: Session) -> None:
        if not session.in_nested_transaction():
            seen.append(session)

    event.listen(Session, "after_commit", count)
    yield seen
    event.remove(Session, "after_commit", count)


def test_a_refused_use_case_leaves_no_rows_and_shows_the_field_error(probe: Flask) -> None:
    token = _token()
    response = probe.test_client().post(f"/uow/attempt/{token}/name", data={"name": "x"})
    assert response.status_code == 200
    assert response.text.startswith("名称已被占用。##")  # on the field, not flashed
    assert response.text.endswith("#refused=True")
    assert not _stored(token)


def test_a_refusal_naming_no_field_of_the_form_is_flashed(probe: Flask) -> None:
    for field in ("-", "elsewhere"):
        token = _token()
        response = probe.test_client().post(f"/uow/attempt/{token}/{field}")
        assert response.text.startswith("#danger:名称已被占用。#")
        assert not _stored(token)


def test_a_successful_use_case_is_committed_once(probe: Flask, commits: list[Session]) -> None:
    token = _token()
    response = probe.test_client().post(f"/uow/attempt/{token}/none")
    assert response.text.endswith("#refused=False")
    assert _stored(token)
    assert len(commits) == 1


def test_a_version_conflict_is_a_refusal_with_its_message(probe: Flask) -> None:
    token = _token()
    response = probe.test_client().post(f"/uow/stale/{token}")
    assert response.text == "True#['已被他人修改。']"
    assert not _stored(token)


@pytest.mark.parametrize(
    ("status", "kept"),
    [(200, True), (302, True), (400, False), (403, False), (409, False), (500, False)],
)
def test_an_error_answer_commits_nothing(probe: Flask, status: int, kept: bool) -> None:
    token = _token()
    response = probe.test_client().post(f"/uow/status/{token}/{status}/no")
    assert response.status_code == status
    assert _stored(token) is kept


@pytest.mark.parametrize(("status", "how"), [(429, "keep"), (401, "keep-abort"), (403, "abort")])
def test_an_error_answer_keeps_its_work_when_the_view_says_so(
    probe: Flask, status: int, how: str
) -> None:
    """E.g. the audit record of a refused API token (app/api/hooks.py)."""
    token = _token()
    response = probe.test_client().post(f"/uow/status/{token}/{status}/{how}")
    assert response.status_code == status
    assert _stored(token) is how.startswith("keep")


def test_an_exception_rolls_back_even_kept_work(probe: Flask) -> None:
    for keep in ("no", "keep"):
        token = _token()
        with pytest.raises(RuntimeError):
            probe.test_client().post(f"/uow/raise/{token}/{keep}")
        assert not _stored(token)


def test_an_exception_answered_500_rolls_back_even_kept_work(
    fresh_app: Callable[..., Flask],
) -> None:
    application = fresh_app(WTF_CSRF_ENABLED=False, PROPAGATE_EXCEPTIONS=False)
    _routes(application)
    try:
        token = _token()
        response = application.test_client().post(f"/uow/raise/{token}/keep")
        assert response.status_code == 500
        assert not _stored(token)
    finally:
        for name in [k for k in access.ENDPOINT_ACCESS if k.endswith("_view")]:
            del access.ENDPOINT_ACCESS[name]


def test_a_commit_that_fails_replaces_the_answer(probe: Flask) -> None:
    """A duplicate met only at the commit is the 409 page, not a success already sent."""
    token = _token()
    _add(token)
    db.session.commit()
    response = probe.test_client().post(f"/uow/duplicate/{token}")
    assert response.status_code == 409
    assert DUPLICATE in response.text


def test_a_paced_answer_leaves_after_its_commit_and_no_sooner(probe: Flask) -> None:
    """The forgotten-password answer takes the same time whatever it wrote (app/auth/views.py)."""
    token = _token()
    committed: list[float] = []

    def note(_session: Session) -> None:
        committed.append(time.monotonic())

    event.listen(Session, "after_commit", note)
    try:
        started = time.monotonic()
        probe.test_client().post(f"/uow/paced/{token}")
        answered = time.monotonic()
    finally:
        event.remove(Session, "after_commit", note)
    assert _stored(token)
    assert answered - started >= 0.2
    assert committed
    assert committed[0] < started + 0.2  # the wait comes after the commit
