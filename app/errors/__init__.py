"""Domain errors raised by services, and HTTP error pages (HTML or JSON)."""

from __future__ import annotations

import math
import time
from contextlib import suppress

import sqlalchemy.exc as sa_exc
from flask import Flask, current_app, g, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from app.errors import outage, problems
from app.extensions import db, login_manager

DUPLICATE = "该内容已存在（可能是重复提交，或他人刚刚提交了相同的内容），请刷新页面查看后再试。"
# how long a client (or a crawler) is asked to wait when the database is unavailable
RETRY_AFTER_SECONDS = 30


class DomainError(Exception):
    """A use case refused: the message is Chinese and shown to the user as is."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class StaleError(DomainError):
    """The user worked on a copy that someone else has changed since (a 409 conflict)."""


# in English on the English public pages (app.i18n), Chinese everywhere else
MESSAGES = {
    400: lazy_gettext("请求无法处理，请返回重试。"),
    403: lazy_gettext("您没有权限访问此页面。"),
    404: lazy_gettext("页面不存在，或您无权查看。"),
    405: lazy_gettext("不支持此操作方式。"),
    409: lazy_gettext("内容已被他人修改，请刷新后重试。"),
    413: lazy_gettext("提交的内容过大。"),
    429: lazy_gettext("操作过于频繁，请稍后再试。"),
    500: lazy_gettext("服务器内部错误，我们已记录此问题。"),
    503: lazy_gettext("服务暂时不可用，请稍后再试。"),
}


def wants_json() -> bool:
    """JSON for API-style clients, HTML for browsers."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def render_error(code: int, message: str | None = None) -> tuple[Response | str, int]:
    """One error response, in the format the client accepts (a problem document on /api/)."""
    if problems.is_api_request():
        return problems.problem_response(code, message), code
    text = str(message or MESSAGES.get(code, MESSAGES[400]))
    request_id = g.get("request_id", "-")
    if wants_json():
        return jsonify(error=text, status=code, request_id=request_id), code
    # the 503 page stands alone: the layout asks the database who is signed in
    template = "errors/unavailable.html" if code == 503 else "errors/error.html"
    return render_template(template, code=code, message=text, request_id=request_id), code


def is_duplicate(error: sa_exc.IntegrityError) -> bool:
    """Whether a unique constraint refused the row (what a repeated submission meets)."""
    if getattr(error.orig, "sqlstate", None) == "23505":  # PostgreSQL unique_violation
        return True
    return str(error.orig).startswith("UNIQUE constraint failed")  # SQLite


def retry_after() -> int:
    """Seconds until the limit this request broke lets the client in again."""
    from app.extensions import limiter

    limit = limiter.current_limit
    if limit is None:
        return 60
    # the store keeps whole seconds: never ask for more than the limit's window
    return max(1, min(math.ceil(limit.reset_at - time.time()), limit.limit.get_expiry()))


def too_many_message(seconds: int) -> str:
    """The 429 text, with the wait in words people read."""
    wait = f"{seconds}秒" if seconds < 120 else f"{math.ceil(seconds / 60)}分钟"
    return f"操作过于频繁，请{wait}后再试。同一网络的请求合并计算。"


def database_unavailable(error: BaseException, reason: str) -> Response:
    """The 503 answer to a database outage: logged once, with Retry-After."""
    with suppress(sa_exc.SQLAlchemyError):  # the connection may be gone already
        db.session.rollback()
    # nobody can be signed in without the database: Flask-Login's template context would
    # otherwise try to load the user again while rendering this page
    g._login_user = login_manager.anonymous_user()
    current_app.logger.error(
        "database unavailable (%s) on %s %s: %s",
        reason,
        request.method,
        request.path,
        outage.summary(error),
    )
    response = make_response(render_error(503))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def init_app(app: Flask) -> None:
    """Register the handlers."""

    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError) -> tuple[Response | str, int]:
        return render_error(400, "表单已过期或来源无效，请刷新页面后重新提交。")

    @app.errorhandler(RateLimitExceeded)
    def _too_many(_error: RateLimitExceeded) -> Response:
        response = make_response(render_error(429, too_many_message(retry_after())))
        response.headers["Retry-After"] = str(retry_after())
        return response

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[Response | str, int] | HTTPException | Response:
        if error.code is None or error.code < 400:
            return error
        if problems.is_api_request():
            return problems.error_response(error, error.code)
        return render_error(error.code)

    @app.errorhandler(sa_exc.IntegrityError)
    def _duplicate(error: sa_exc.IntegrityError) -> tuple[Response | str, int]:
        if not is_duplicate(error):
            raise error  # NOT NULL, CHECK, foreign key: a bug, the 500 below
        # a duplicate no service turned into a message (two requests at once): not a 500
        db.session.rollback()
        app.logger.warning("integrity error on %s %s: %s", request.method, request.path, error.orig)
        return render_error(409, DUPLICATE)

    @app.errorhandler(sa_exc.DBAPIError)
    @app.errorhandler(sa_exc.TimeoutError)
    def _database(error: sa_exc.SQLAlchemyError) -> Response:
        reason = outage.unavailable_reason(error)
        if reason is None:
            raise error  # a bug, not an outage: the 500 below (or the test's traceback)
        return database_unavailable(error, reason)

    @app.errorhandler(InternalServerError)
    def _server(error: InternalServerError) -> tuple[Response | str, int] | Response:
        original = getattr(error, "original_exception", None) or error
        reason = outage.unavailable_reason(original)
        if reason is not None:  # e.g. an error page that needed the database during an outage
            return database_unavailable(original, reason)
        db.session.rollback()
        app.logger.error(
            "unhandled error on %s %s", request.method, request.path, exc_info=original
        )
        return render_error(500)
