"""Registration, sign-in and sign-out pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app import audit, taxonomy
from app.auth import bp, services
from app.auth.forms import LoginForm, RegisterForm
from app.errors import DomainError
from app.extensions import db
from app.forms import EmptyForm
from app.models import Role
from app.security import sessions


def safe_next(target: str | None) -> str | None:
    """A same-site path to go to after sign-in, or None."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return None
    return target


@bp.route("/register", methods=["GET", "POST"])
def register() -> Response | str:
    """Register an organisation and its first user."""
    if current_user.is_authenticated:
        return redirect(url_for("workspace.index"))
    form = RegisterForm()
    form.org_kind.choices = taxonomy.choices("org_kind")
    form.district.choices = taxonomy.choices("district")
    form.honours.choices = taxonomy.choices("honour")
    if form.validate_on_submit():
        try:
            user = services.register(
                services.Registration(
                    role=Role(form.role.data),
                    org_name=form.org_name.data,
                    org_kind=form.org_kind.data,
                    uscc=form.uscc.data or None,
                    district=form.district.data,
                    is_local=form.is_local.data,
                    intro=form.intro.data or "",
                    contact_phone=form.contact_phone.data,
                    name=form.name.data,
                    email=form.email.data,
                    password=form.password.data,
                    honours=tuple(form.honours.data or ()),
                    contact_email=form.contact_email.data or "",
                )
            )
        except DomainError as error:
            _attach(form, error)
        else:
            db.session.commit()
            sessions.begin(user)
            flash("注册成功。单位信息正在等待平台审核，审核通过后即可提交发布。", "success")
            return redirect(url_for("workspace.index"))
    return render_template("auth/register.html", form=form)


def _attach(form: RegisterForm, error: DomainError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "danger")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str:
    """Sign in with e-mail and password."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors = ["邮箱或密码不正确。"]
        else:
            sessions.begin(user)
            flash(f"欢迎，{user.name}。", "success")
            return redirect(safe_next(form.next.data) or _home_for(user.role))
    return render_template("auth/login.html", form=form)


HOMES = {
    Role.REVIEWER: "review.index",
    Role.SYSADMIN: "staff.accounts",
    Role.SECADMIN: "staff.roles",
    Role.AUDITOR: "audit_log.index",
}


def _home_for(role: Role) -> str:
    return url_for(HOMES.get(role, "workspace.index"))


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """Sign out (POST with CSRF, so a link elsewhere cannot sign people out)."""
    if EmptyForm().validate_on_submit():
        audit.record_event("logout", actor=current_user, subject_id=current_user.id)
        sessions.end_current("logout")
        flash("您已退出登录。", "info")
    return redirect(url_for("portal.index"))
