"""Registration, sign-in and sign-out pages."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import (
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from app import audit, taxonomy, unit_of_work
from app.auth import bp, captcha, reset, services, totp
from app.auth.forms import (
    ForgotForm,
    LoginForm,
    PasswordChangeForm,
    RegisterForm,
    ResetForm,
    SecondFactorForm,
)
from app.extensions import db, limiter
from app.forms import EmptyForm
from app.models import Role, User
from app.security import sessions
from app.validators import safe_next


def per_address(setting: str) -> Callable[[], str]:
    """The configured limit of a form, read per request (tests and operators change it)."""
    return lambda: current_app.config[setting]


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(per_address("REGISTER_RATE_LIMIT"), methods=["POST"])
def register() -> Response | str:
    """Register an organisation and its first user."""
    if current_user.is_authenticated:
        return redirect(url_for("workspace.index"))
    form = RegisterForm()
    form.org_kind.choices = taxonomy.choices("org_kind")
    form.district.choices = taxonomy.choices("district")
    form.honours.choices = taxonomy.choices("honour")
    if form.validate_on_submit():
        with unit_of_work.attempt(form) as outcome:
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
        if not outcome.refused:
            sessions.begin(user)
            flash("注册成功。单位信息正在等待平台审核，审核通过后即可提交发布。", "success")
            return redirect(url_for("workspace.index"))
    return render_template("auth/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(per_address("LOGIN_RATE_LIMIT"), methods=["POST"])
def login() -> Response | str:
    """Sign in with e-mail and password (and the image 验证码 after repeated failures)."""
    form = LoginForm()
    address = request.remote_addr or ""
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    show_captcha = captcha.needed("", address)
    if form.validate_on_submit():
        show_captcha = captcha.needed(form.email.data, address)
        if show_captcha and not captcha.check(form.captcha.data or ""):
            # refused before the password is even looked at
            services.captcha_failed(form.email.data)
            form.captcha.errors = [CAPTCHA_WRONG if form.captcha.data else CAPTCHA_ASK]
            return render_template("auth/login.html", form=form, captcha=True)
        try:
            user = services.authenticate(form.email.data, form.password.data, address)
        except services.SignInRefused as refused:
            # the failure count, the lock and their audit are kept: the page answers 200
            form.password.errors = [refused.message]
            show_captcha = captcha.needed(form.email.data, address)
        else:
            return _after_password(user, form.next.data)
    form.captcha.data = ""
    return render_template("auth/login.html", form=form, captcha=show_captcha)


CAPTCHA_ASK = "登录失败次数较多，请输入图片中的验证码。"
CAPTCHA_WRONG = "验证码不正确或已失效，请输入新图片中的验证码。"


@bp.route("/captcha.png")
@limiter.limit(per_address("LOGIN_RATE_LIMIT"))
def captcha_image() -> Response:
    """A new image 验证码 (each image replaces the previous challenge; never cached)."""
    response = make_response(captcha.image(captcha.new_challenge()))
    response.headers["Content-Type"] = "image/png"
    response.headers["Cache-Control"] = "no-store"
    return response


PENDING_KEY = "pending_sign_in"
PENDING_SECONDS = 300  # time to type the second factor after the password


def _after_password(user: User, next_url: str | None) -> Response:
    """Staff go on to their second factor; everyone else is signed in."""
    if not user.is_staff:
        return _begin(user, next_url)
    session.clear()
    session[PENDING_KEY] = {"uid": user.id, "at": int(time.time()), "next": safe_next(next_url)}
    return redirect(url_for("auth.second_factor"))


def _pending_user() -> User | None:
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending.get("uid"))
    return user if user is not None and user.active and user.is_staff else None


@bp.route("/second-factor", methods=["GET", "POST"])
@limiter.limit(per_address("LOGIN_RATE_LIMIT"), methods=["POST"])
def second_factor() -> Response | str:
    """The staff's second factor: enrol (QR code) the first time, then a 6-digit code."""
    user = _pending_user()
    if user is None:
        session.pop(PENDING_KEY, None)
        flash("登录已超时，请重新输入邮箱和密码。", "warning")
        return redirect(url_for("auth.login"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        try:
            services.second_factor(user, form.code.data, request.remote_addr or "")
        except services.SignInRefused as refused:  # its count and audit are kept
            if refused.locked:
                session.pop(PENDING_KEY, None)
                flash(refused.message, "danger")
                return redirect(url_for("auth.login"))
            form.code.errors = [refused.message]
        else:
            return _begin(user, session[PENDING_KEY].get("next"))
    enrolment = None
    if not user.has_second_factor:
        secret = totp.start_enrolment(user)
        uri = totp.provisioning_uri(user, secret)
        enrolment = {"secret": secret, "qr": totp.qr_svg_data_uri(uri)}
    form.code.data = ""
    return render_template("auth/second_factor.html", form=form, enrolment=enrolment, user=user)


def _begin(user: User, next_url: str | None) -> Response:
    """Every factor passed: record it, start the session, go on."""
    services.signed_in(user)
    sessions.begin(user)
    if user.must_change_password:
        flash("首次登录，请先修改初始密码。", "warning")
        return redirect(url_for("auth.password"))
    flash(f"欢迎，{user.name}。", "success")
    return redirect(safe_next(next_url) or _home_for(user.role))


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


@bp.route("/password", methods=["GET", "POST"])
def password() -> Response | str:
    """修改密码: the current password, then a new one that meets the policy."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        with unit_of_work.attempt(form) as outcome:
            services.change_password(current_user, form.current.data, form.password.data)
        if not outcome.refused:
            flash("密码已修改，其他设备上的登录已全部退出。", "success")
            return redirect(_home_for(current_user.role))
    return render_template("auth/password.html", form=form)


SENT = "如果该邮箱已注册，我们已向它发送重设密码的链接，{minutes}分钟内有效。请查收邮件（也请查看垃圾邮件）。"


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(per_address("FORGOT_RATE_LIMIT"), methods=["POST"])
def forgot() -> Response | str:
    """找回密码: the same answer, in the same time, whether or not the e-mail has an account."""
    form = ForgotForm()
    if form.validate_on_submit():
        # the database writes (and the mail job) differ for unknown e-mails: the answer,
        # committed, leaves no sooner than this
        unit_of_work.answer_no_sooner_than(FORGOT_ANSWER_SECONDS)
        reset.request_reset(form.email.data)
        minutes = current_app.config["PASSWORD_RESET_MINUTES"]
        flash(SENT.format(minutes=minutes), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


# long enough to hide a few database writes, short enough that nobody notices
FORGOT_ANSWER_SECONDS = 0.3


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Response | tuple[str, int] | str:
    """Set a new password through an e-mailed link (once, within its time)."""
    with unit_of_work.attempt(quiet=True) as check:
        reset.valid_token(token)
    if check.error is not None:
        message = check.error.message
        status = 404 if message == reset.INVALID else 410  # forged, or expired/used
        return render_template("auth/reset_invalid.html", message=message), status
    form = ResetForm()
    if form.validate_on_submit():
        with unit_of_work.attempt(form) as outcome:
            reset.reset_password(token, form.password.data)
        if not outcome.refused:
            flash("密码已重设，请用新密码登录。", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)
