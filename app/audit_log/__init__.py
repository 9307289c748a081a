"""The audit trail: its chain, verification, retention, and the auditors' viewer (/audit/)."""

from flask import Blueprint

bp = Blueprint("audit_log", __name__)

from app.audit_log import views  # noqa: E402,F401  (registers the routes)
