"""The open-data read API under /api/v1 (flask-smorest), documented by its OpenAPI 3.1 document.

Adding a resource is one line: put a flask-smorest ``Blueprint`` named ``blp`` in a module,
declare its endpoints in app/security/access.py (gate ``API``), and add the module to
``BLUEPRINTS`` below. Every blueprint registered here gets, without doing anything
(app.api.hooks): no cookies or session, CSRF exemption, optional ``Authorization: Bearer``
tokens (401 problem when bad), rate limits (429 problem with ``Retry-After``), the audit of
every token use, problem documents for every error (app.errors.problems), ETag/Last-Modified/304
and Cache-Control (app.api.caching), gzip. Lists page with app.api.paging.

The document is at /api/v1/openapi.json, its readable page at /api/v1/docs (app.api.docs).
"""

from __future__ import annotations

import importlib

from flask import Flask

PREFIX = "/api/v1"
# modules holding a flask-smorest Blueprint `blp`, registered under PREFIX in this order;
# routes are written relative to PREFIX (e.g. @blp.route("/changes"))
BLUEPRINTS: tuple[str, ...] = (
    "app.api.listings",
    "app.api.collections",
    "app.api.figures",
    "app.open_data.api",
)


def _configure(app: Flask) -> None:
    app.config.setdefault("API_TITLE", "济南数字化应用场景公共服务平台 开放数据 API")
    app.config.setdefault("API_VERSION", "1.0.0")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": (
                    "已发布的场景机会清单、能力清单、第N批清单、优秀案例、单位公开信息和数据看板的"
                    "只读接口。匿名可用（限流）；合作单位可使用系统管理员签发的访问令牌"
                    "（Authorization: Bearer）获得更高限额。错误以 RFC 9457 problem+json 返回。"
                ),
            },
            "servers": [{"url": "/"}],
            "components": {
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            },
            "security": [{}, {"bearer": []}],
        },
    )


def init_app(app: Flask) -> None:
    """Build the API, register its blueprints (CSRF exempt) and the cross-cutting hooks."""
    from app.api import docs, hooks
    from app.api.spec import OpenDataApi
    from app.extensions import csrf

    _configure(app)
    api = OpenDataApi(app)
    for name in BLUEPRINTS:
        blueprint = importlib.import_module(name).blp
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint, url_prefix=PREFIX)
    docs.init_app(app, api)
    hooks.init_app(app)
    app.extensions["open_data_api"] = api
