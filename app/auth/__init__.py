"""Registration, sign-in and sign-out."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from app.auth import views  # noqa: E402, F401  (routes register on import)


@bp.record_once
def _register_user_loader(_state: object) -> None:
    from app.extensions import db, login_manager
    from app.models import User

    @login_manager.user_loader
    def _load(user_id: str) -> User | None:
        return db.session.get(User, int(user_id)) if user_id.isdigit() else None
