"""Contact protection: masked by default, revealed on an explicit, logged and limited request."""

from flask import Blueprint

bp = Blueprint("contacts", __name__)

from app.contacts import views  # noqa: E402, F401  (routes register on import)


@bp.app_template_global()
def contact_access(organization_id: int) -> str:
    """How the current user sees an organisation's contacts (see services.Access)."""
    from flask_login import current_user

    from app.contacts.services import access

    return access(current_user, organization_id).value
