"""TEMPORARY: the open-data endpoints on a bare flask-smorest Api, until app.api is merged.

app.api (the read API's foundation, built in parallel on another branch) registers
app.open_data.api's `blp` with every other /api/v1 blueprint (tokens, rate limits, problem
documents, the OpenAPI document). At that merge, delete this file and its call in
app/__init__.py, and add "app.open_data.api" to app.api.BLUEPRINTS.
"""

from __future__ import annotations

import importlib.util

from flask import Flask
from flask_smorest import Api


class _BareApi(Api):
    """No error handler of its own: app/errors.py answers errors site-wide."""

    def _register_error_handlers(self) -> None:
        return None


def register(app: Flask) -> None:
    """Register the open-data blueprint under /api/v1 unless app.api exists and does it."""
    if importlib.util.find_spec("app.api") is not None:
        return
    from app.extensions import csrf
    from app.open_data.api import blp

    app.config.setdefault("API_TITLE", "济南数字化应用场景公共服务平台 开放数据 API")
    app.config.setdefault("API_VERSION", "1.0.0")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    csrf.exempt(blp)
    _BareApi(app).register_blueprint(blp, url_prefix="/api/v1")
