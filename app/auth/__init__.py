"""Registration, sign-in and sign-out."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from app.auth import views  # noqa: E402, F401  (routes register on import)


@bp.record_once
def _register_user_loader(_state: object) -> None:
    from app.extensions import login_manager
    from app.security import sessions

    # a signed-in user exists only through a live server-side session record
    login_manager.user_loader(sessions.load_user)
