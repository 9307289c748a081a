"""Use cases of accounts: registering an organisation with its first user, signing in."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app import audit, taxonomy
from app.errors import DomainError
from app.extensions import db
from app.models import Organization, OrgStatus, Role, User
from app.models.base import utcnow


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
    db.session.add_all([org, user])
    try:
        db.session.flush()
    except IntegrityError as exc:  # a concurrent registration won the race
        db.session.rollback()
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


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None."""
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active or not user.check_password(password):
        return None
    return user


def create_admin(email: str, name: str, password: str, role: Role = Role.SYSADMIN) -> User:
    """Create a staff account with its duty (used by the installer's `flask create-admin`)."""
    if not role.is_staff:
        raise DomainError("只能创建平台工作人员账号。", field="role")
    if db.session.scalar(sa.select(User.id).where(User.email == email.lower())):
        raise DomainError("该邮箱已存在。", field="email")
    user = User(email=email.lower(), name=name, role=role, role_granted_at=utcnow())
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user
