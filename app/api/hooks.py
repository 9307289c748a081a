"""What every /api/v1 request goes through, whichever blueprint serves it.

- **No cookies.** The session is neither read from nor written to a cookie (``ApiSessions``),
  so ``current_user`` is anonymous, nothing is CSRF-protected (GET only, CSRF exempt) and no
  response sets a cookie. A signed-in reviewer's browser sees what anyone sees.
- **Tokens.** ``Authorization: Bearer <token>`` names a partner's token; an unknown, expired
  or revoked token is a 401 problem (never anonymous access instead). Every use is audited.
- **Rate limits** (Flask-Limiter's storage): API_RATE_ANONYMOUS per client address,
  API_RATE_TOKEN per token; over the limit, a 429 problem with ``Retry-After``.
- **Responses**: ETag/304 and Cache-Control (app.api.caching), gzip (flask-compress) when the
  client accepts it; successful GETs kept a few seconds and shared (app.api.response_cache).
"""

from __future__ import annotations

import math
import time
from typing import NoReturn

from flask import Flask, current_app, g, request
from flask import Response as FlaskResponse
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_compress import Compress
from limits import parse
from werkzeug.wrappers import Response

from app import unit_of_work
from app.api import caching, response_cache, tokens
from app.errors.problems import abort_problem, is_api_request
from app.extensions import limiter, login_manager

compress = Compress()
BAD_TOKEN = "访问令牌无效、已过期或已被吊销。请向平台系统管理员申请新的令牌，或不带 Authorization 头匿名访问。"  # noqa: S105 -- a message, not a secret
BAD_HEADER = "Authorization 头格式应为“Bearer <令牌>”。"


class ApiSessions(SecureCookieSessionInterface):
    """Browser sessions everywhere but /api/: there, an empty session that is never saved."""

    def open_session(self, app: Flask, request_: object) -> SecureCookieSession | None:
        if getattr(request_, "path", "").startswith("/api/"):
            return self.session_class()
        return super().open_session(app, request_)  # type: ignore[arg-type]

    def save_session(self, app: Flask, session: object, response: Response) -> None:
        if request.path.startswith("/api/"):
            return
        super().save_session(app, session, response)  # type: ignore[arg-type]


def _bearer() -> str | None:
    """The token of the Authorization header, None without the header; a malformed one is 401."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, secret = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        rate_limit()  # as anonymous: refusals are no way around the limit
        abort_problem(401, BAD_HEADER, headers={"WWW-Authenticate": 'Bearer realm="api"'})
    return secret.strip()


def authenticate() -> None:
    """Resolve the request's token (g.api_token) and audit its use; refuse a bad one."""
    g.api_token = None
    secret = _bearer()
    if secret is None:
        return
    token = tokens.find_usable(secret)
    if token is None:
        refuse(secret)
    g.api_token = token
    query = request.query_string.decode("utf-8", "replace")[:300]
    tokens.record_use(token, f"{request.method} {request.path}" + (f"?{query}" if query else ""))
    unit_of_work.keep()  # the use is recorded whatever the answer (a 404, a 429 …)


def refuse(secret: str) -> NoReturn:
    """A bad token: counted against the address's limit (no free guessing), audited, 401."""
    rate_limit()
    tokens.record_refusal(secret, f"{request.method} {request.path}")
    unit_of_work.keep()  # the refusal is audited although the answer is a 401
    challenge = 'Bearer realm="api", error="invalid_token"'
    abort_problem(401, BAD_TOKEN, headers={"WWW-Authenticate": challenge})


def rate_limit() -> None:
    """Count the request against its token's or address's limit; 429 when over it."""
    token = g.get("api_token")  # None: anonymous, or a token being refused
    if token is not None:
        item, key = parse(current_app.config["API_RATE_TOKEN"]), f"token:{token.id}"
    else:
        item, key = parse(current_app.config["API_RATE_ANONYMOUS"]), f"addr:{request.remote_addr}"
    strategy = limiter.limiter
    if strategy.hit(item, "api", key):
        return
    reset = strategy.get_window_stats(item, "api", key).reset_time
    wait = max(1, min(math.ceil(reset - time.time()), item.get_expiry()))
    detail = f"请求过于频繁，请{wait}秒后再试。" + (
        "" if token else "使用合作单位访问令牌可获得更高的限额。"
    )
    abort_problem(429, detail, headers={"Retry-After": str(wait)})


def before() -> Response | None:
    """Every API request: anonymous to the site, then token, then rate limit, then the kept
    answer if there is one."""
    if not is_api_request():
        return None
    g._login_user = login_manager.anonymous_user()  # Flask-Login asks the session no more
    authenticate()
    rate_limit()
    return response_cache.serve()


def after(response: FlaskResponse) -> FlaskResponse:
    """Every API response: validators, Cache-Control, 304, gzip."""
    if not is_api_request():
        return response
    response.headers.add("Vary", "Authorization")
    response_cache.keep(response)
    if 200 <= response.status_code < 300 and response.mimetype == "application/json":
        response = caching.apply(response, private=g.get("api_token") is not None)
    return compress.after_request(response)


def init_app(app: Flask) -> None:
    """Install the session interface and the hooks (after the security hooks are installed)."""
    app.session_interface = ApiSessions()
    app.config.setdefault("COMPRESS_REGISTER", False)
    app.config.setdefault(
        "COMPRESS_MIMETYPES", ["application/json", "application/problem+json", "text/csv"]
    )
    app.config.setdefault("COMPRESS_ALGORITHM", ["gzip"])
    compress.init_app(app)
    response_cache.init_app(app)
    app.before_request(before)  # after the request id is set: audit records carry it
    app.after_request(after)
