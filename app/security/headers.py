"""Security headers on every response: a strict same-origin policy, no caching of private pages."""

from flask import Flask, Response, current_app, g, request, session

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def _signed_in() -> bool:
    """Whether this request was answered to a signed-in user (as resolved by its session)."""
    user = g.get("_login_user")
    # is_anonymous reads no column: after the view's commit a column read would begin a new
    # transaction (on SQLite, a POST's takes the write lock) just to add a header
    return user is not None and not user.is_anonymous


def _private(response: Response) -> bool:
    """Pages of a signed-in user, and any response that sets a cookie (sign-in, sign-out)."""
    if request.endpoint == "static":  # the same files for everyone
        return False
    # the session cookie is written after this hook: a modified session is about to set it
    return _signed_in() or session.modified or "Set-Cookie" in response.headers


def _download(response: Response) -> bool:
    return response.headers.get("Content-Disposition", "").lower().startswith("attachment")


def init_app(app: Flask) -> None:
    """Attach the headers after every request."""

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if _download(response):
            # a downloaded HTML or SVG opened from the disk or the URL runs no script, no form
            response.headers["Content-Security-Policy"] += "; sandbox"
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if _private(response) and not response.cache_control.no_store:
            # neither the browser (Back after sign-out) nor a proxy may keep a copy
            response.headers["Cache-Control"] = "no-store"
        _production_headers(response)
        return response


def _production_headers(response: Response) -> None:
    """HSTS and Permissions-Policy, when configured (production: on)."""
    config = current_app.config
    if config["HSTS_SECONDS"]:
        response.headers.setdefault(
            "Strict-Transport-Security", f"max-age={config['HSTS_SECONDS']}; includeSubDomains"
        )
    if config["PERMISSIONS_POLICY"]:
        response.headers.setdefault("Permissions-Policy", config["PERMISSIONS_POLICY"])
