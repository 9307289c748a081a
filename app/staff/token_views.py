"""API tokens of partner systems (系统管理员): issue (the token shown once), list, revoke."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app import unit_of_work
from app.api import tokens
from app.forms import EmptyForm
from app.models.base import utcnow
from app.staff import bp
from app.staff.forms import ApiTokenForm


def _page(form: ApiTokenForm, secret: str | None = None) -> str:
    return render_template(
        "staff/api_tokens.html",
        form=form,
        tokens=tokens.all_tokens(),
        empty=EmptyForm(),
        secret=secret,
        now=utcnow(),
    )


@bp.route("/api-tokens", methods=["GET", "POST"])
def api_tokens() -> str:
    """Every token; a new one, whose secret this one answer shows (系统管理员)."""
    form = ApiTokenForm()
    if form.validate_on_submit():
        with unit_of_work.attempt(form, field="partner") as outcome:
            issued = tokens.issue(
                current_user, form.partner.data, form.note.data or "", form.days.data
            )
        if not outcome.refused:
            return _page(ApiTokenForm(formdata=None), secret=issued.secret)
    return _page(form)


@bp.route("/api-tokens/<int:token_id>/revoke", methods=["POST"])
def api_token_revoke(token_id: int) -> Response:
    """Revoke a token at once (系统管理员)."""
    token = tokens.get(token_id)
    if token is None:
        abort(404)
    unit_of_work.button(
        lambda: tokens.revoke(current_user, token),
        f"已吊销 {token.partner} 的访问令牌（{token.prefix}…）。",
    )
    return redirect(url_for("staff.api_tokens"))
