"""Use cases of the separated duties (三权分立): accounts for 系统管理员, role grants for 安全管理员.

A 系统管理员 creates a staff account but cannot give it power: it stays inactive until a
安全管理员 grants it a role. Nobody changes their own role or switches themselves off.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.exc import IntegrityError

from app import audit
from app.errors import DomainError
from app.extensions import db
from app.models import Role, User
from app.models.base import utcnow
from app.models.org import STAFF_ROLES
from app.security import sessions

ACCOUNT_FILTERS = ("staff", "organizations", "inactive")


@dataclass(frozen=True)
class AccountFilters:
    """What the account list shows: a kind of account and an e-mail or name fragment."""

    kind: str = "staff"
    text: str = ""

    @classmethod
    def from_args(cls, args: dict[str, str]) -> AccountFilters:
        """Read the filters from the query string, ignoring unknown values."""
        kind = args.get("kind", "staff")
        return cls(
            kind if kind in ACCOUNT_FILTERS else "staff", (args.get("q") or "").strip()[:100]
        )


def accounts(filters: AccountFilters, page: int, per_page: int = 30) -> Pagination:
    """Accounts, newest first."""
    query = sa.select(User).order_by(User.id.desc())
    if filters.kind == "staff":
        query = query.where(User.role.in_(STAFF_ROLES))
    elif filters.kind == "organizations":
        query = query.where(User.organization_id.is_not(None))
    else:
        query = query.where(User.active.is_(False))
    if filters.text:
        like = f"%{filters.text.lower()}%"
        query = query.where(sa.or_(sa.func.lower(User.email).like(like), User.name.like(like)))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def create_staff_account(actor: User, email: str, name: str) -> User:
    """A new staff account, inactive and powerless until a 安全管理员 grants it a role."""
    email = email.strip().lower()
    if db.session.scalar(sa.select(User.id).where(User.email == email)):
        raise DomainError("该邮箱已有账号。", field="email")
    user = User(email=email, name=name.strip(), role=Role.REVIEWER, active=False)
    # nobody knows this password: the person sets their own through 找回密码 once granted
    user.set_password(secrets.token_urlsafe(32))
    try:
        with db.session.begin_nested():  # losing the race undoes this row, not the request
            db.session.add(user)
    except IntegrityError as exc:  # the same e-mail was added a moment ago
        raise DomainError("该邮箱已有账号。", field="email") from exc
    audit.record(actor, "staff_create", user, email)
    return user


def set_active(actor: User, user: User, active: bool) -> None:
    """Switch an account off or back on (not one's own; staff only once granted)."""
    if user.id == actor.id:
        raise DomainError("不能停用或启用自己的账号。")
    if active and user.role.is_staff and user.role_granted_at is None:
        raise DomainError("该账号尚未由安全管理员授予角色，授予后自动启用。")
    if user.active == active:
        return
    user.active = active
    if not active:
        sessions.end_all(user, "deactivated")  # signed out on every machine, now
    audit.record(actor, "account_enable" if active else "account_disable", user)


def grant_role(actor: User, user: User, role: Role) -> None:
    """Give a staff account one staff duty (replacing the one it had), and switch it on."""
    if role not in STAFF_ROLES:
        raise DomainError("只能授予平台工作人员角色。", field="role")
    if not user.role.is_staff:
        raise DomainError("单位用户的角色由其单位类型决定，不能授予平台工作人员角色。")
    if user.id == actor.id:
        raise DomainError("不能更改自己的角色。")
    first_grant = user.role_granted_at is None
    if user.role is role and not first_grant:
        return
    previous = user.role
    user.role = role
    user.role_granted_at = utcnow()
    if first_grant:
        user.active = True
    sessions.end_all(user, "role_change")  # no session keeps the powers it was begun with
    audit.record(actor, "role_grant", user, f"{previous.label} → {role.label}")
    if first_grant:  # nobody knows its password yet: the person sets their own through a link
        from app.auth import reset

        reset.send_link(user, secrets.token_urlsafe(32), "staff_welcome", "设置登录密码")


def unlock(actor: User, user: User) -> None:
    """Lift a sign-in lock before it runs out (安全管理员)."""
    from app.auth import lockout

    if not lockout.is_locked(user, user.email):
        raise DomainError("该账号当前没有被锁定。")
    lockout.unlock(actor, user)


def reset_second_factor(actor: User, user: User) -> None:
    """Forget a staff account's second factor (lost phone): it enrols again (安全管理员)."""
    from app.auth import totp
    from app.security import sessions

    if user.id == actor.id:
        raise DomainError("不能重置自己的双因素认证，请由另一位安全管理员操作。")
    if not user.role.is_staff:
        raise DomainError("只有平台工作人员账号使用双因素认证。")
    if user.totp_secret_encrypted is None:
        raise DomainError("该账号尚未绑定双因素认证。")
    totp.reset(user)
    sessions.end_all(user, "totp_reset")
    audit.record_event("totp_reset", actor=actor, subject_id=user.id)
