"""Problem documents (RFC 9457): every error of /api/ is `application/problem+json`.

Interface for every /api/v1 blueprint (app.api and app.open_data.api):

- ``abort_problem(status, detail=None, *, title=None, headers=None, **extra)`` raises an HTTP
  error that the application's error handlers answer with a problem document. ``detail`` is
  Chinese and shown to people as is; ``extra`` members (e.g. ``errors``) are added to it.
- ``problem_response(status, detail=None, ...)`` builds the response itself (hooks that return
  instead of raising).
- ``is_api_request()`` says whether the request is one of the API's (path under /api/).

app/errors/__init__.py calls ``error_response`` for every error of an API request (404 and 405 from
routing, 422 validation errors — answered as 400 —, 429, 500, 503), so a view never builds
an error by hand. Problem ``type`` URIs are relative references into docs/api.md.
"""

from __future__ import annotations

from typing import Any, NoReturn

from flask import Response, current_app, g, json, request
from werkzeug.exceptions import HTTPException

API_PREFIX = "/api/"
MIMETYPE = "application/problem+json"
TYPE_BASE = "/api/v1/docs#problem-"

TITLES = {
    400: "请求参数有误",
    401: "未通过身份验证",
    403: "无权访问",
    404: "资源不存在",
    405: "不支持此请求方法",
    406: "无法提供所请求的格式",
    409: "资源冲突",
    413: "请求过大",
    415: "不支持的内容类型",
    429: "请求过于频繁",
    500: "服务器内部错误",
    503: "服务暂时不可用",
}
DETAILS = {
    400: "请求无法处理，请检查参数后重试。",
    401: "访问令牌无效、已过期或已被吊销。",
    403: "您没有权限访问此资源。",
    404: "所请求的资源不存在或未公开。",
    405: "此地址不支持该请求方法。",
    406: "此接口只提供 JSON。",
    413: "请求内容过大。",
    429: "请求过于频繁，请稍后再试。",
    500: "服务器内部错误，我们已记录此问题。",
    503: "服务暂时不可用，请稍后再试。",
}


class Problem(HTTPException):
    """An HTTP error carrying the members of its problem document."""

    def __init__(self, status: int, detail: str | None, title: str | None, **extra: Any) -> None:
        super().__init__(description=detail)
        self.code = status
        self.title = title
        self.extra = extra
        self.extra_headers: dict[str, str] = extra.pop("headers", None) or {}


def is_api_request() -> bool:
    """Whether the request is a machine's, for the API (no session, problem documents)."""
    return request.path.startswith(API_PREFIX)


def problem_response(
    status: int,
    detail: str | None = None,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """A problem document response (Chinese title and detail, the request id as instance)."""
    body: dict[str, Any] = {
        "type": f"{TYPE_BASE}{status}",
        "title": title or TITLES.get(status, TITLES[400] if status < 500 else TITLES[500]),
        "status": status,
        "detail": detail or DETAILS.get(status, DETAILS[400] if status < 500 else DETAILS[500]),
        "instance": request.path,
        "request_id": g.get("request_id", "-"),
        **extra,
    }
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False), status=status, mimetype=MIMETYPE
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(headers or {})
    return response


def abort_problem(
    status: int,
    detail: str | None = None,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> NoReturn:
    """Stop the request with a problem document."""
    raise Problem(status, detail, title, headers=headers, **extra)


def _validation_errors(error: HTTPException) -> dict[str, Any] | None:
    """The field messages webargs attached to a 422 (flask-smorest's abort)."""
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") or data.get("errors")
    if not messages:
        return None
    if isinstance(messages, dict) and len(messages) == 1 and "query" in messages:
        messages = messages["query"]  # one location: its fields
    return messages


def error_response(error: HTTPException | None, status: int, detail: str | None = None) -> Response:
    """The problem document answering an error of an API request (app/errors/__init__.py calls it)."""
    if isinstance(error, Problem):
        return problem_response(
            error.code or status,
            error.description,
            title=error.title,
            headers=error.extra_headers,
            **error.extra,
        )
    headers: dict[str, str] = {}
    extra: dict[str, Any] = {}
    errors = _validation_errors(error) if error is not None else None
    if status == 422 or errors:  # webargs' validation errors: a bad request like any other
        status, detail = 400, detail or "查询参数无效：未知的参数、格式错误或超出范围的值。"
        if errors:
            extra["errors"] = errors
    if status == 405 and error is not None:
        allowed = error.get_headers()
        headers.update({k: v for k, v in allowed if k == "Allow"})
    return problem_response(status, detail, headers=headers, **extra)
