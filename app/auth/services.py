"""Use cases of accounts: registering an organisation with its first user, signing in."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app import audit, taxonomy
from app.auth import lockout, passwords, totp
from app.errors import DomainError
from app.extensions import db
from app.models import Organization, OrgStatus, Role, User
from app.models.base import utcnow
from app.security import sessions
from app.template_helpers import mask_email


@dataclass(frozen=True)
class Registration:
    """What a registering organisation tells us about itself and its first user."""

    role: Role
    org_name: str
    org_kind: str
    uscc: str | None
    district: str
    is_local: bool
    intro: str
    contact_phone: str
    name: str
    email: str
    password: str
    honours: tuple[str, ...] = ()
    contact_email: str = ""


def register(data: Registration) -> User:
    """Create a pending organisation and its first user; refuse duplicates field by field."""
    if data.role.is_staff:
        raise DomainError("不能注册为平台工作人员。", field="role")
    _refuse_duplicates(data)
    org = Organization(
        name=data.org_name,
        role=data.role,
        kind=data.org_kind,
        uscc=data.uscc or None,
        district=data.district,
        is_local=data.is_local,
        intro=data.intro,
        contact_name=data.name,
        contact_phone=data.contact_phone,
        contact_email=data.contact_email,
        honours=taxonomy.terms("honour", data.honours),
        status=OrgStatus.PENDING,
    )
    user = User(email=data.email.lower(), name=data.name, role=data.role, organization=org)
    user.set_password(data.password)
    try:
        with db.session.begin_nested():  # losing the race undoes these rows, not the request
            db.session.add_all([org, user])
    except IntegrityError as exc:  # a concurrent registration won the race
        raise DomainError("该单位或邮箱刚刚已被注册，请检查后重试。") from exc
    audit.record(user, "register", org)
    return user


def _refuse_duplicates(data: Registration) -> None:
    if db.session.scalar(sa.select(User.id).where(User.email == data.email.lower())):
        raise DomainError("该邮箱已注册，请直接登录。", field="email")
    if db.session.scalar(sa.select(Organization.id).where(Organization.name == data.org_name)):
        raise DomainError("该单位名称已注册。", field="org_name")
    if data.uscc and db.session.scalar(
        sa.select(Organization.id).where(Organization.uscc == data.uscc)
    ):
        raise DomainError("该统一社会信用代码已被其他单位注册。", field="uscc")


class SignInRefused(Exception):
    """Sign-in refused; the message is the same whether or not the e-mail has an account."""

    def __init__(self, message: str, locked: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.locked = locked


WRONG = "邮箱或密码不正确。"


def locked_message() -> str:
    """The lock message: it never tells whether the e-mail has an account."""
    minutes = current_app.config["LOGIN_LOCK_MINUTES"]
    return (
        f"登录失败次数过多，该账号已被临时锁定{minutes}分钟。"
        "请稍后再试，或联系安全管理员解锁；忘记密码可通过“找回密码”重设。"
    )


def authenticate(email: str, password: str, address: str) -> User:
    """The active user with this e-mail and password; refuses locked accounts and counts failures.

    Known and unknown e-mails take the same path: one password hash check, one count.
    """
    email = email.strip().lower()
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if lockout.is_locked(user, email):
        passwords.verify(None, password)  # the same work as any other answer
        raise SignInRefused(locked_message(), locked=True)
    ok = passwords.verify(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        if lockout.note_failure(user, email, address, mask_email(email)):
            raise SignInRefused(locked_message(), locked=True)
        raise SignInRefused(WRONG)
    lockout.forget_failures(user)
    return user


def create_admin(email: str, name: str, password: str, role: Role = Role.SYSADMIN) -> User:
    """Create a staff account with its duty (used by the installer's `flask create-admin`)."""
    if not role.is_staff:
        raise DomainError("只能创建平台工作人员账号。", field="role")
    if db.session.scalar(sa.select(User.id).where(User.email == email.lower())):
        raise DomainError("该邮箱已存在。", field="email")
    # the installer typed this password on a terminal: the person chooses their own at first
    # sign-in
    user = User(
        email=email.lower(),
        name=name,
        role=role,
        role_granted_at=utcnow(),
        must_change_password=True,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def captcha_failed(email: str) -> None:
    """Record a wrong or missing 验证码 (the password was not checked)."""
    audit.record_event("captcha", outcome="failure", note=mask_email(email.strip().lower()))


def signed_in(user: User) -> None:
    """Record a sign-in that passed every factor (the view then begins the session)."""
    audit.record_event("sign_in", actor=user, subject_id=user.id)


def change_password(user: User, current: str, new: str) -> None:
    """Replace a password after checking the current one and the policy; end other sessions."""
    if not passwords.verify(user.password_hash, current):
        raise DomainError("当前密码不正确。", field="current")
    if passwords.verify(user.password_hash, new):
        raise DomainError("新密码不能与当前密码相同。", field="password")
    error = passwords.policy_error(user, new)
    if error:
        raise DomainError(error, field="password")
    user.set_password(new)
    user.must_change_password = False
    sessions.end_all(user, "password_change", keep_current=True)
    audit.record_event("password_change", actor=user, subject_id=user.id)


WRONG_CODE = "动态验证码不正确，请输入验证器应用中当前显示的6位数字。"


def second_factor(user: User, code: str, address: str) -> None:
    """Check a staff member's TOTP code; wrong codes count towards the lock like passwords."""
    db.session.execute(sa.select(User.id).where(User.id == user.id).with_for_update())
    db.session.refresh(user)  # two tabs posting one code: the second sees the step used
    if lockout.is_locked(user, user.email):
        raise SignInRefused(locked_message(), locked=True)
    enrolling = not user.has_second_factor
    if not totp.verify(user, code):
        if lockout.note_failure(user, user.email, address, "second factor"):
            raise SignInRefused(locked_message(), locked=True)
        raise SignInRefused(WRONG_CODE)
    if enrolling:
        audit.record_event("totp_enrol", actor=user, subject_id=user.id)
    lockout.forget_failures(user)
