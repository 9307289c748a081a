"""Pages of the separated duties: 账号管理 (系统管理员) and 角色授权 (安全管理员)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app import unit_of_work
from app.extensions import db
from app.forms import EmptyForm
from app.models import Role, User
from app.paging import page_arg
from app.staff import bp, services
from app.staff.forms import GrantForm, StaffAccountForm


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _list(template: str, **context: object) -> str:
    filters = services.AccountFilters.from_args(request.args)
    return render_template(
        template,
        page=services.accounts(filters, page_arg()),
        filters=filters,
        empty=EmptyForm(),
        **context,
    )


@bp.route("/accounts", methods=["GET", "POST"])
def accounts() -> Response | str:
    """Every account; a new staff account (系统管理员)."""
    form = StaffAccountForm()
    if form.validate_on_submit():
        with unit_of_work.attempt(form, field="email") as outcome:
            user = services.create_staff_account(current_user, form.email.data, form.name.data)
        if not outcome.refused:
            flash(f"已创建账号 {user.email}，待安全管理员授予角色后启用。", "success")
            return redirect(url_for("staff.accounts"))
    return _list("staff/accounts.html", form=form)


@bp.route("/accounts/<int:user_id>/active", methods=["POST"])
def account_active(user_id: int) -> Response:
    """Switch an account off or back on (系统管理员)."""
    user = _user(user_id)
    active = request.form.get("active") == "1"
    unit_of_work.button(
        lambda: services.set_active(current_user, user, active),
        f"已{'启用' if active else '停用'}账号 {user.email}。",
    )
    return redirect(request.referrer or url_for("staff.accounts"))


@bp.route("/roles")
def roles() -> str:
    """Staff accounts and their duties (安全管理员)."""
    return _list("staff/roles.html", grant=GrantForm())


@bp.route("/roles/<int:user_id>", methods=["POST"])
def grant(user_id: int) -> Response:
    """Grant a staff account one duty (安全管理员)."""
    user = _user(user_id)
    form = GrantForm()
    if form.validate_on_submit():
        with unit_of_work.attempt() as outcome:
            services.grant_role(current_user, user, Role(form.role.data))
        if not outcome.refused:
            flash(f"已授予 {user.email} 角色：{user.role.label}。", "success")
    else:
        flash("请选择要授予的角色。", "danger")
    return redirect(url_for("staff.roles"))


@bp.route("/roles/<int:user_id>/unlock", methods=["POST"])
def unlock(user_id: int) -> Response:
    """Lift an account's sign-in lock before it runs out (安全管理员)."""
    user = _user(user_id)
    unit_of_work.button(
        lambda: services.unlock(current_user, user), f"已解除 {user.email} 的登录锁定。"
    )
    return redirect(url_for("staff.roles"))


@bp.route("/roles/<int:user_id>/second-factor/reset", methods=["POST"])
def totp_reset(user_id: int) -> Response:
    """Reset a staff account's second factor so it enrols again (安全管理员)."""
    user = _user(user_id)
    unit_of_work.button(
        lambda: services.reset_second_factor(current_user, user),
        f"已重置 {user.email} 的双因素认证，其下次登录时须重新绑定。",
    )
    return redirect(url_for("staff.roles"))
