"""Deny by default: every endpoint is declared once here, public or with the roles allowed."""

from __future__ import annotations

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.models.org import Role

PUBLIC = "public"
SIGNED_IN = "signed-in"
# machines, not people: no login; an allowed address or the bearer token (app/ops/metrics.py)
SCRAPERS = "scrapers"
Gate = str | frozenset[Role]

OWNERS = frozenset({Role.PUBLISHER, Role.FIRM})
PUBLISHERS = frozenset({Role.PUBLISHER})
FIRMS = frozenset({Role.FIRM})
ADMINS = frozenset({Role.ADMIN})

ENDPOINT_ACCESS: dict[str, Gate] = {
    "static": PUBLIC,
    "portal.index": PUBLIC,
    "portal.scenarios": PUBLIC,
    "portal.scenario_detail": PUBLIC,
    "portal.capabilities": PUBLIC,
    "portal.capability_detail": PUBLIC,
    "auth.login": PUBLIC,
    "auth.register": PUBLIC,
    "auth.logout": SIGNED_IN,
    "workspace.index": OWNERS,
    "workspace.scenario_new": PUBLISHERS,
    "workspace.scenario_edit": PUBLISHERS,
    "workspace.scenario_submit": PUBLISHERS,
    "workspace.capability_new": FIRMS,
    "workspace.capability_edit": FIRMS,
    "workspace.capability_submit": FIRMS,
    "review.index": ADMINS,
    "review.organizations": ADMINS,
    "review.organization_decide": ADMINS,
    "review.listings": ADMINS,
    "review.scenario_decide": ADMINS,
    "review.capability_decide": ADMINS,
    "review.matches": ADMINS,
    "review.match_decide": ADMINS,
    "review.engine": ADMINS,
    "review.engine_rebuild": ADMINS,
    "review.train_reranker": ADMINS,
    "review.deactivate_reranker": ADMINS,
    "review.vocabulary_add": ADMINS,
    "review.vocabulary_delete": ADMINS,
    "notifications.index": SIGNED_IN,
    "notifications.open_one": SIGNED_IN,
    "notifications.read_all": SIGNED_IN,
    # organisation profiles, contact protection and attachments
    "organizations.detail": PUBLIC,
    "organizations.profile": OWNERS,
    "contacts.reveal_scenario": SIGNED_IN,
    "contacts.reveal_capability": SIGNED_IN,
    "contacts.reveal_organization": SIGNED_IN,
    "contacts.reveal_log": ADMINS,
    "attachments.scenario_files": PUBLISHERS,
    "attachments.capability_files": FIRMS,
    "attachments.delete": OWNERS,
    "attachments.download": SIGNED_IN,
    # listing lifecycle, versions and review at scale
    "workspace.withdraw": OWNERS,
    "workspace.close": OWNERS,
    "workspace.versions": SIGNED_IN,  # owners and administrators; others get 404 (policy)
    "review.listings_bulk": ADMINS,
    "review.listing_close": ADMINS,
    # Excel import/export and 第N批 batches
    "excel.template_download": frozenset({Role.PUBLISHER, Role.FIRM, Role.ADMIN}),
    "excel.upload": frozenset({Role.PUBLISHER, Role.FIRM, Role.ADMIN}),
    "excel.preview": frozenset({Role.PUBLISHER, Role.FIRM, Role.ADMIN}),
    "excel.confirm": frozenset({Role.PUBLISHER, Role.FIRM, Role.ADMIN}),
    "excel.cancel": frozenset({Role.PUBLISHER, Role.FIRM, Role.ADMIN}),
    "excel.import_status": frozenset({Role.PUBLISHER, Role.FIRM, Role.ADMIN}),  # own runs only
    "excel.export_scenarios": PUBLIC,
    "excel.export_capabilities": PUBLIC,
    "excel.export_review_scenarios": ADMINS,
    "excel.export_review_capabilities": ADMINS,
    "batches.index": PUBLIC,
    "batches.detail": PUBLIC,
    "batches.download": PUBLIC,
    "batches.printable": PUBLIC,
    "batches.manage": ADMINS,
    "batches.create": ADMINS,
    "batches.edit": ADMINS,
    "batches.publish": ADMINS,
    "batches.delete": ADMINS,
    # --- engagements, excellent cases, notification settings ---
    "engagements.apply": FIRMS,
    "engagements.accept_recommendation": OWNERS,
    "engagements.detail": SIGNED_IN,  # parties and administrators; others 404 (policy)
    "engagements.attachment": SIGNED_IN,  # same policy as the timeline
    "engagements.change_stage": OWNERS,
    "engagements.shortlist": PUBLISHERS,
    "engagements.applicants": PUBLISHERS,
    "engagements.mine": OWNERS,
    "engagements.review_list": ADMINS,
    "cases.index": PUBLIC,
    "cases.detail": PUBLIC,  # drafts: parties and administrators only (policy)
    "cases.edit": ADMINS,
    "cases.consent": OWNERS,
    "cases.publish": ADMINS,
    "notifications.settings": SIGNED_IN,
    # dashboard (数据看板) and industry map (产业集群图谱): public aggregates, private admin version
    "dashboard.public": PUBLIC,
    "dashboard.public_download": PUBLIC,
    "dashboard.admin": ADMINS,
    "dashboard.admin_download": ADMINS,
    "industry.index": PUBLIC,
    # saved searches: every signed-in user keeps their own; others' answer 404
    "saved_searches.index": SIGNED_IN,
    "saved_searches.create": SIGNED_IN,
    "saved_searches.rename": SIGNED_IN,
    "saved_searches.delete": SIGNED_IN,
    "saved_searches.toggle_alerts": SIGNED_IN,
    # background jobs: administrators see and retry runs; a run's status is its starter's
    "jobs.index": ADMINS,
    "jobs.retry": ADMINS,
    "jobs.status": SIGNED_IN,  # the run's creator and administrators; others 404 (policy)
    # the audit trail: viewer and export
    "audit_log.index": ADMINS,  # lead: becomes AUDITORS at merge
    "audit_log.export": ADMINS,  # lead: becomes AUDITORS at merge
    # operations: probes for load balancers and deploy scripts; metrics for Prometheus only
    "ops.healthz": PUBLIC,
    "ops.readyz": PUBLIC,
    "ops.metrics": SCRAPERS,  # anyone else gets 404, signed in or not
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
    if gate == PUBLIC:
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
