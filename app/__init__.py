"""Application factory: config, extensions, security, blueprints, CLI, error handlers."""

from __future__ import annotations

from typing import Any

from flask import Flask

from app.config import ROOT, Config, check_audit_retention, config_from_env
from app.listing_kinds import KindConverter
from app.paging import IdConverter


def create_app(config: type[Config] | None = None, **overrides: Any) -> Flask:
    """Build the application for the given config class (APP_ENV by default)."""
    config = config or config_from_env()
    app = Flask(
        __name__,
        static_folder=str(ROOT / "static"),
        static_url_path="/static",
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(config)
    app.config["SECRET_KEY"] = overrides.pop("SECRET_KEY", None) or config.secret_key()
    app.config.update(overrides)
    check_audit_retention(app.config["AUDIT_RETENTION_DAYS"])
    app.url_map.converters["int"] = IdConverter  # before any route is added
    app.url_map.converters["kind"] = KindConverter  # a registered listing kind's URL segment
    _configure_runtime(app)
    _init_extensions(app)
    _register_ops(app)
    _register_blueprints(app)
    _register_languages(app)
    _register_security(app)
    _register_api(app)
    _register_template_helpers(app)
    _register_jobs(app)
    _register_unit_of_work(app)  # last: its commit is the first after_request hook to run
    _register_cli(app)
    return app


def _configure_runtime(app: Flask) -> None:
    """Logs, and client addresses taken from the trusted reverse proxies only."""
    from app.runtime import logs, proxy

    logs.configure(app)
    trusted = proxy.networks(app.config["TRUSTED_PROXIES"])
    app.wsgi_app = proxy.TrustedProxies(app.wsgi_app, trusted)  # type: ignore[method-assign]


def _init_extensions(app: Flask) -> None:
    from app import audit, models  # noqa: F401  (models: register every model with the metadata)
    from app.extensions import csrf, db, limiter, login_manager, migrate
    from app.runtime import sqlite

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    limiter.init_app(app)  # before CSRF: a flood of forged posts counts against its address
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录。"
    login_manager.login_message_category = "warning"
    sqlite.init_app(app)  # WAL, busy timeout, write transactions that wait their turn
    audit.init_app(app)  # audit events are chained when flushed


def _register_ops(app: Flask) -> None:
    """Probes and metrics; registered first, so request timing wraps every other hook."""
    from app import ops

    ops.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from app.attachments import bp as attachments_bp
    from app.audit_log import bp as audit_log_bp
    from app.auth import bp as auth_bp
    from app.batches import bp as batches_bp
    from app.cases import bp as cases_bp
    from app.contacts import bp as contacts_bp
    from app.dashboard import bp as dashboard_bp
    from app.engagements import bp as engagements_bp
    from app.excel import bp as excel_bp
    from app.industry import bp as industry_bp
    from app.jobs.views import bp as jobs_bp
    from app.notifications import bp as notifications_bp
    from app.open_data.views import bp as open_data_bp
    from app.organizations import bp as organizations_bp
    from app.portal import bp as portal_bp
    from app.questions import bp as questions_bp
    from app.review import bp as review_bp
    from app.saved_searches import bp as saved_searches_bp
    from app.site import bp as site_bp
    from app.staff import bp as staff_bp
    from app.workspace import bp as workspace_bp

    app.register_blueprint(portal_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(workspace_bp, url_prefix="/my")
    app.register_blueprint(review_bp, url_prefix="/review")
    app.register_blueprint(notifications_bp, url_prefix="/notifications")
    app.register_blueprint(contacts_bp)
    app.register_blueprint(organizations_bp)
    app.register_blueprint(attachments_bp)
    app.register_blueprint(excel_bp)
    app.register_blueprint(batches_bp, url_prefix="/batches")
    app.register_blueprint(engagements_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(industry_bp)
    app.register_blueprint(saved_searches_bp, url_prefix="/my/searches")
    app.register_blueprint(jobs_bp)
    app.register_blueprint(staff_bp, url_prefix="/staff")
    app.register_blueprint(audit_log_bp)
    app.register_blueprint(questions_bp)
    app.register_blueprint(site_bp)
    app.register_blueprint(open_data_bp)


def _register_languages(app: Flask) -> None:
    """Chinese by default; English on the translated public pages for visitors who chose it."""
    from app import i18n
    from app.extensions import babel

    # passed in: app.i18n sits below the models, which mark their labels with its N_
    i18n.init_app(app, babel)


def _register_security(app: Flask) -> None:
    from app import errors
    from app.runtime import page_cache, request_id
    from app.security import access, headers, query_args, sessions

    request_id.init_app(app)
    query_args.init_app(app)  # before any view or the page cache reads the query string
    app.before_request(sessions.load_before_request)  # timeouts flash before the cache looks
    access.init_app(app)
    page_cache.init_app(app)  # after the access check: only public pages are cached
    headers.init_app(app)
    errors.init_app(app)


def _register_api(app: Flask) -> None:
    """The open-data API under /api/v1: after the security hooks (the request id is set)."""
    from app import api

    api.init_app(app)


def _register_template_helpers(app: Flask) -> None:
    from app import template_helpers

    template_helpers.init_app(app)


def _register_jobs(app: Flask) -> None:
    from app import jobs

    jobs.init_app(app)


def _register_unit_of_work(app: Flask) -> None:
    """The request's one commit (or rollback): see app/unit_of_work.py."""
    from app import unit_of_work

    unit_of_work.init_app(app)


def _register_cli(app: Flask) -> None:
    from app import cli

    cli.init_app(app)
