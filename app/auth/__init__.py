"""Registration, sign-in and sign-out."""

from flask import Blueprint
from werkzeug.wrappers import Response

bp = Blueprint("auth", __name__)

from app.auth import views  # noqa: E402, F401  (routes register on import)


@bp.record_once
def _register_user_loader(_state: object) -> None:
    from app.extensions import login_manager
    from app.security import sessions

    # a signed-in user exists only through a live server-side session record
    login_manager.user_loader(sessions.load_user)


# what someone who must change their password may still open
_BEFORE_CHANGE = {"auth.password", "auth.logout", "static", "ops.healthz", "ops.readyz"}


@bp.before_app_request
def _must_change_password() -> Response | None:
    """Until the first password is changed, every page leads to 修改密码."""
    from flask import redirect, request, url_for
    from flask_login import current_user

    if request.endpoint in _BEFORE_CHANGE or request.endpoint is None:
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        return redirect(url_for("auth.password"))
    return None
