"""Deny by default: every endpoint is declared once here, public or with the roles allowed."""

from __future__ import annotations

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.listing_kinds import KINDS
from app.models.org import Role

PUBLIC = "public"
SIGNED_IN = "signed-in"
# machines, not people: no login; an allowed address or the bearer token (app/ops/metrics.py)
SCRAPERS = "scrapers"
# the open-data API (app/api): anyone, no session consulted; an optional partner token
# (Authorization: Bearer) is checked by app.api.hooks, which also limits the rate
API = "api"
Gate = str | frozenset[Role]

OWNERS = frozenset({Role.PUBLISHER, Role.FIRM})
PUBLISHERS = frozenset({Role.PUBLISHER})
FIRMS = frozenset({Role.FIRM})
# the platform's separated duties (三权分立): each endpoint belongs to exactly one of them
REVIEWERS = frozenset({Role.REVIEWER})
SYSADMINS = frozenset({Role.SYSADMIN})
SECADMINS = frozenset({Role.SECADMIN})
AUDITORS = frozenset({Role.AUDITOR})
# who may reveal a listing's contact: the organisations and the reviewers, not the other duties
CONTACT_READERS = frozenset({Role.PUBLISHER, Role.FIRM, Role.REVIEWER})

ENDPOINT_ACCESS: dict[str, Gate] = {
    "static": PUBLIC,
    # open data (docs/open-data.md): the page, the bulk files, their manifest and schema
    "open_data.index": PUBLIC,
    "open_data.manifest_json": PUBLIC,
    "open_data.schema_file": PUBLIC,
    "open_data.download": PUBLIC,
    # the open-data API's change feed, release records and downloads list (app.open_data.api)
    "open_data_api.changes_page": API,
    "open_data_api.release_record": API,
    "open_data_api.downloads": API,
    "portal.index": PUBLIC,
    # each listing kind's public list and detail pages (app.listing_kinds)
    **{kind.list_endpoint: PUBLIC for kind in KINDS},
    **{kind.detail_endpoint: PUBLIC for kind in KINDS},
    "auth.login": PUBLIC,
    "auth.register": PUBLIC,
    "auth.forgot": PUBLIC,
    "auth.captcha_image": PUBLIC,
    "auth.second_factor": PUBLIC,  # only with a password just checked (the session says so)
    "auth.reset_password": PUBLIC,
    "auth.logout": SIGNED_IN,
    "auth.password": SIGNED_IN,
    "workspace.index": OWNERS,
    "workspace.bulk_submit": OWNERS,
    # writing a listing of a kind: only the role that posts that kind
    **{
        kind.endpoint(action): frozenset({kind.owner_role})
        for kind in KINDS
        for action in ("new", "edit", "submit")
    },
    "review.index": REVIEWERS,
    "review.organizations": REVIEWERS,
    "review.organization_decide": REVIEWERS,
    "review.listings": REVIEWERS,
    "review.scenario_decide": REVIEWERS,
    "review.capability_decide": REVIEWERS,
    "review.matches": REVIEWERS,
    "review.match_decide": REVIEWERS,
    "review.matches_bulk": REVIEWERS,
    "review.engine": SYSADMINS,
    "review.engine_rebuild": SYSADMINS,
    "review.train_reranker": SYSADMINS,
    "review.deactivate_reranker": SYSADMINS,
    "review.vocabulary_add": SYSADMINS,
    "review.vocabulary_delete": SYSADMINS,
    "notifications.index": SIGNED_IN,
    "notifications.open_one": SIGNED_IN,
    "notifications.read_all": SIGNED_IN,
    # organisation profiles, contact protection and attachments
    "organizations.detail": PUBLIC,
    "organizations.profile": OWNERS,
    "contacts.reveal_scenario": CONTACT_READERS,
    "contacts.reveal_capability": CONTACT_READERS,
    "contacts.reveal_organization": CONTACT_READERS,
    "contacts.reveal_log": REVIEWERS,
    "attachments.scenario_files": PUBLISHERS,
    "attachments.capability_files": FIRMS,
    "attachments.delete": OWNERS,
    "attachments.download": SIGNED_IN,
    # listing lifecycle, versions and review at scale
    "workspace.withdraw": OWNERS,
    "workspace.close": OWNERS,
    "workspace.versions": SIGNED_IN,  # owners and administrators; others get 404 (policy)
    "review.listings_bulk": REVIEWERS,
    "review.listing_close": REVIEWERS,
    # Excel import/export and 第N批 batches
    "excel.template_download": frozenset({Role.PUBLISHER, Role.FIRM, Role.REVIEWER}),
    "excel.upload": frozenset({Role.PUBLISHER, Role.FIRM, Role.REVIEWER}),
    "excel.preview": frozenset({Role.PUBLISHER, Role.FIRM, Role.REVIEWER}),
    "excel.confirm": frozenset({Role.PUBLISHER, Role.FIRM, Role.REVIEWER}),
    "excel.cancel": frozenset({Role.PUBLISHER, Role.FIRM, Role.REVIEWER}),
    "excel.import_status": frozenset({Role.PUBLISHER, Role.FIRM, Role.REVIEWER}),  # own runs only
    "excel.export_scenarios": PUBLIC,
    "excel.export_capabilities": PUBLIC,
    "excel.export_review_scenarios": REVIEWERS,
    "excel.export_review_capabilities": REVIEWERS,
    "batches.index": PUBLIC,
    "batches.detail": PUBLIC,
    "batches.download": PUBLIC,
    "batches.printable": PUBLIC,
    "batches.manage": REVIEWERS,
    "batches.create": REVIEWERS,
    "batches.edit": REVIEWERS,
    "batches.publish": REVIEWERS,
    "batches.delete": REVIEWERS,
    # --- engagements, excellent cases, notification settings ---
    "engagements.apply": FIRMS,
    "engagements.accept_recommendation": OWNERS,
    "engagements.detail": SIGNED_IN,  # parties and administrators; others 404 (policy)
    "engagements.attachment": SIGNED_IN,  # same policy as the timeline
    "engagements.change_stage": OWNERS,
    "engagements.shortlist": PUBLISHERS,
    "engagements.applicants": PUBLISHERS,
    "engagements.mine": OWNERS,
    "engagements.review_list": REVIEWERS,
    "cases.index": PUBLIC,
    "cases.detail": PUBLIC,  # drafts: parties and administrators only (policy)
    "cases.edit": REVIEWERS,
    "cases.consent": OWNERS,
    "cases.publish": REVIEWERS,
    "notifications.settings": SIGNED_IN,
    # dashboard (数据看板) and industry map (产业集群图谱): public aggregates, private admin version
    "dashboard.public": PUBLIC,
    "dashboard.public_download": PUBLIC,
    "dashboard.admin": REVIEWERS,
    "dashboard.admin_download": REVIEWERS,
    "industry.index": PUBLIC,
    # the language switch of the public portal (a preference cookie, no data)
    "i18n.switch": PUBLIC,
    # saved searches: every signed-in user keeps their own; others' answer 404
    "saved_searches.index": SIGNED_IN,
    "saved_searches.create": SIGNED_IN,
    "saved_searches.rename": SIGNED_IN,
    "saved_searches.delete": SIGNED_IN,
    "saved_searches.toggle_alerts": SIGNED_IN,
    # 场景答疑: firms ask and follow, publishers answer their own (others 404), reviewers hide
    "questions.ask": FIRMS,
    "questions.answer": PUBLISHERS,
    "questions.hide": REVIEWERS,
    "questions.follow": FIRMS,
    "questions.mine": OWNERS,
    "questions.review_list": REVIEWERS,
    # background jobs: administrators see and retry runs; a run's status is its starter's
    # the separated staff duties (三权分立)
    "staff.accounts": SYSADMINS,
    "staff.account_active": SYSADMINS,
    "staff.api_tokens": SYSADMINS,  # partners' tokens of the open-data API
    "staff.api_token_revoke": SYSADMINS,
    "staff.roles": SECADMINS,
    "staff.grant": SECADMINS,
    "staff.unlock": SECADMINS,
    "staff.totp_reset": SECADMINS,
    "jobs.index": SYSADMINS,
    "jobs.retry": SYSADMINS,
    "jobs.status": SIGNED_IN,  # the run's creator and administrators; others 404 (policy)
    # the audit trail: viewer and export
    "audit_log.index": AUDITORS,
    "audit_log.export": AUDITORS,
    # operations: probes for load balancers and deploy scripts; metrics for Prometheus only
    "ops.healthz": PUBLIC,
    "ops.readyz": PUBLIC,
    "ops.metrics": SCRAPERS,  # anyone else gets 404, signed in or not
    # site information: 网站地图, 帮助中心, 隐私声明, 使用条款
    "site.sitemap": PUBLIC,
    "site.help": PUBLIC,
    "site.privacy": PUBLIC,
    "site.terms": PUBLIC,
    # the open-data API (app/api) and its documentation
    "api-docs.openapi_json": API,
    "api_docs.page": API,
    "api_listings.scenarios": API,
    "api_listings.scenario": API,
    "api_listings.capabilities": API,
    "api_listings.capability": API,
    "api_collections.batches": API,
    "api_collections.batch": API,
    "api_collections.cases": API,
    "api_collections.case": API,
    "api_collections.organizations": API,
    "api_collections.organization": API,
    "api_figures.dashboard": API,
}


def gate_for(endpoint: str | None) -> Gate | None:
    """The declared gate of an endpoint, or None when it was never declared."""
    return ENDPOINT_ACCESS.get(endpoint or "")


def check_request() -> Response | None:
    """Run before every request: refuse what the access map does not allow."""
    if request.endpoint is None:  # no route matched: let routing answer 404/405
        return None
    gate = gate_for(request.endpoint)
    if gate is None:
        current_app.logger.error("endpoint %s is missing from the access map", request.endpoint)
        abort(403)
    if gate in (PUBLIC, API):
        return None
    if gate == SCRAPERS:
        from app.ops.metrics import scraper_allowed

        if not scraper_allowed():
            abort(404)
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if gate != SIGNED_IN and current_user.role not in gate:
        abort(403)
    return None


def init_app(app: Flask) -> None:
    """Install the gate in front of every view."""
    app.before_request(check_request)
