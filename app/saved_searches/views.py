"""/my/searches: list, save, rename, delete a user's searches and switch their alerts."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app import unit_of_work
from app.forms import EmptyForm
from app.models import SavedSearch
from app.saved_searches import bp, services
from app.saved_searches.forms import RenameForm, SaveSearchForm


@bp.route("/")
def index() -> str:
    """The user's saved searches with their alert switches."""
    return render_template(
        "saved_searches/index.html",
        searches=services.for_user(current_user),
        form=EmptyForm(),
        rename_form=RenameForm(),
    )


@bp.route("/", methods=["POST"])
def create() -> Response:
    """Save the search of a list page (the 保存此搜索 button)."""
    form = SaveSearchForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work.attempt(category="error") as outcome:
        saved = services.save(current_user, form.side.data, form.query.data or "")
    if outcome.refused:
        return redirect(url_for("saved_searches.index"))
    flash(f"已保存搜索“{saved.name}”。有新发布的匹配内容时会通知您。", "success")
    return redirect(saved.path)


def _own(saved_id: int) -> SavedSearch:
    saved = services.get_own(current_user, saved_id)
    if saved is None:
        abort(404)
    return saved


@bp.route("/<int:saved_id>/rename", methods=["POST"])
def rename(saved_id: int) -> Response:
    """Rename a saved search."""
    saved = _own(saved_id)
    form = RenameForm()
    if not form.validate_on_submit():
        flash("；".join(form.name.errors) or "请填写名称。", "error")
        return redirect(url_for("saved_searches.index"))
    services.rename(current_user, saved, form.name.data)
    flash("已重命名。", "success")
    return redirect(url_for("saved_searches.index"))


@bp.route("/<int:saved_id>/delete", methods=["POST"])
def delete(saved_id: int) -> Response:
    """Delete a saved search."""
    saved = _own(saved_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.delete(current_user, saved)
    flash("已删除该订阅。", "success")
    return redirect(url_for("saved_searches.index"))


@bp.route("/<int:saved_id>/alerts", methods=["POST"])
def toggle_alerts(saved_id: int) -> Response:
    """Switch a saved search's alerts on or off."""
    saved = _own(saved_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    on = services.toggle_alerts(current_user, saved)
    flash("已开启提醒。" if on else "已关闭提醒。", "success")
    return redirect(url_for("saved_searches.index"))
