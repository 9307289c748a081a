"""The signed-in user's notifications: list, open (marks read), mark all read."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.extensions import db
from app.forms import EmptyForm
from app.notifications import bp, services
from app.paging import page_arg


@bp.route("/")
def index() -> str:
    """The user's notifications, newest first, unread highlighted."""
    unread_only = request.args.get("unread") == "1"
    page = db.paginate(
        services.for_user(current_user, unread_only),
        page=page_arg(),
        per_page=20,
        error_out=False,
    )
    return render_template(
        "notifications/index.html",
        page=page,
        unread_only=unread_only,
        kinds=services.KINDS,
        form=EmptyForm(),
    )


@bp.route("/<int:notification_id>/open", methods=["POST"])
def open_one(notification_id: int) -> Response:
    """Mark one notification read and follow its link."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    item = services.get_own(current_user, notification_id)
    if item is None:
        abort(404)
    services.mark_read(current_user, item.id)
    return redirect(item.link or url_for("notifications.index"))


@bp.route("/read-all", methods=["POST"])
def read_all() -> Response:
    """Mark every notification read."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    count = services.mark_read(current_user)
    flash(f"已将 {count} 条通知标为已读。", "success")
    return redirect(url_for("notifications.index"))


@bp.route("/settings", methods=["GET", "POST"])
def settings() -> Response | str:
    """Which kinds the user receives in the site and by e-mail, and the daily digest."""
    form = EmptyForm()
    if form.validate_on_submit():
        chosen = set(request.form.getlist("site")), set(request.form.getlist("email"))
        services.save_preferences(
            current_user,
            chosen[0] & services.KINDS.keys(),
            chosen[1] & services.KINDS.keys(),
            request.form.get("daily_digest") == "y",
        )
        flash("通知设置已保存。", "success")
        return redirect(url_for("notifications.settings"))
    preference = services.preference_for(current_user)
    return render_template(
        "notifications/settings.html",
        form=form,
        kinds=services.kinds_for(current_user),
        site_on={k for k in services.KINDS if services.wants(preference, k, "site")},
        email_on={k for k in services.KINDS if services.wants(preference, k, "email")},
        daily_digest=bool(preference and preference.daily_digest),
    )
