"""Domain errors raised by services, and HTTP error pages (HTML or JSON)."""

from __future__ import annotations

from flask import Flask, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from app.extensions import db


class DomainError(Exception):
    """A use case refused: the message is Chinese and shown to the user as is."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


MESSAGES = {
    400: "请求无法处理，请返回重试。",
    403: "您没有权限访问此页面。",
    404: "页面不存在，或您无权查看。",
    405: "不支持此操作方式。",
    409: "内容已被他人修改，请刷新后重试。",
    413: "提交的内容过大。",
    500: "服务器内部错误，我们已记录此问题。",
}


def wants_json() -> bool:
    """JSON for API-style clients, HTML for browsers."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def render_error(code: int, message: str | None = None) -> tuple[Response | str, int]:
    """One error response, in the format the client accepts."""
    text = message or MESSAGES.get(code, MESSAGES[400])
    request_id = g.get("request_id", "-")
    if wants_json():
        return jsonify(error=text, status=code, request_id=request_id), code
    return render_template(
        "errors/error.html", code=code, message=text, request_id=request_id
    ), code


def init_app(app: Flask) -> None:
    """Register the handlers."""

    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError) -> tuple[Response | str, int]:
        return render_error(400, "表单已过期或来源无效，请刷新页面后重新提交。")

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[Response | str, int] | HTTPException:
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code)

    @app.errorhandler(InternalServerError)
    def _server(error: InternalServerError) -> tuple[Response | str, int]:
        db.session.rollback()
        original = getattr(error, "original_exception", None) or error
        app.logger.error(
            "unhandled error on %s %s", request.method, request.path, exc_info=original
        )
        return render_error(500)
