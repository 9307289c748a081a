"""三权分立: a 系统管理员 creates staff accounts, only a 安全管理员 gives them a duty, one each."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Role, User
from tests.conftest import login
from tests.factories import PASSWORD, make_org, make_user


def _by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _create(client: FlaskClient, email: str = "new.staff@example.gov.cn") -> User | None:
    client.post("/staff/accounts", data={"name": "新职员", "email": email})
    return _by_email(email)


def test_a_system_administrator_creates_a_powerless_staff_account(client: FlaskClient) -> None:
    login(client, make_user(None, Role.SYSADMIN))
    user = _create(client)
    assert user is not None
    assert user.organization_id is None
    assert not user.active
    assert user.role_granted_at is None
    page = client.get("/staff/accounts").get_data(as_text=True)
    assert "new.staff@example.gov.cn" in page
    assert "待授权" in page
    # it cannot sign in before a 安全管理员 grants it a role
    login(client, None)
    response = client.post(
        "/auth/login", data={"email": "new.staff@example.gov.cn", "password": PASSWORD}
    )
    assert response.status_code == 200


def test_a_staff_account_is_refused_twice(client: FlaskClient) -> None:
    login(client, make_user(None, Role.SYSADMIN))
    _create(client)
    response = client.post(
        "/staff/accounts", data={"name": "又一个", "email": "New.Staff@example.gov.cn"}
    )
    assert "该邮箱已有账号" in response.get_data(as_text=True)
    count = db.session.scalar(
        sa.select(sa.func.count()).where(User.email == "new.staff@example.gov.cn")
    )
    assert count == 1


def test_a_system_administrator_cannot_activate_an_ungranted_account(client: FlaskClient) -> None:
    login(client, make_user(None, Role.SYSADMIN))
    user = _create(client)
    response = client.post(
        f"/staff/accounts/{user.id}/active", data={"active": "1"}, follow_redirects=True
    )
    assert "尚未由安全管理员授予角色" in response.get_data(as_text=True)
    assert not db.session.get(User, user.id).active


def test_a_security_administrator_grants_the_duty_and_switches_the_account_on(
    client: FlaskClient,
) -> None:
    login(client, make_user(None, Role.SYSADMIN))
    user = _create(client)
    login(client, make_user(None, Role.SECADMIN))
    response = client.post(f"/staff/roles/{user.id}", data={"role": "auditor"})
    assert response.status_code == 302
    granted = db.session.get(User, user.id)
    assert granted.role is Role.AUDITOR
    assert granted.active
    assert granted.role_granted_at is not None


def test_nobody_changes_their_own_role(client: FlaskClient) -> None:
    security = make_user(None, Role.SECADMIN)
    login(client, security)
    response = client.post(
        f"/staff/roles/{security.id}", data={"role": "sysadmin"}, follow_redirects=True
    )
    assert "不能更改自己的角色" in response.get_data(as_text=True)
    assert db.session.get(User, security.id).role is Role.SECADMIN


def test_an_organisation_user_is_never_given_a_staff_duty(client: FlaskClient) -> None:
    firm_user = make_user(make_org(Role.FIRM))
    login(client, make_user(None, Role.SECADMIN))
    response = client.post(
        f"/staff/roles/{firm_user.id}", data={"role": "reviewer"}, follow_redirects=True
    )
    assert "单位用户的角色由其单位类型决定" in response.get_data(as_text=True)
    assert db.session.get(User, firm_user.id).role is Role.FIRM


def test_an_unknown_role_is_refused(client: FlaskClient) -> None:
    staff = make_user(None, Role.REVIEWER)
    login(client, make_user(None, Role.SECADMIN))
    response = client.post(
        f"/staff/roles/{staff.id}", data={"role": "admin"}, follow_redirects=True
    )
    assert "请选择要授予的角色" in response.get_data(as_text=True)
    assert db.session.get(User, staff.id).role is Role.REVIEWER


def test_a_system_administrator_switches_accounts_off_but_not_their_own(
    client: FlaskClient,
) -> None:
    system = make_user(None, Role.SYSADMIN)
    firm_user = make_user(make_org(Role.FIRM))
    login(client, system)
    client.post(f"/staff/accounts/{firm_user.id}/active", data={"active": "0"})
    assert not db.session.get(User, firm_user.id).active
    response = client.post(
        f"/staff/accounts/{system.id}/active", data={"active": "0"}, follow_redirects=True
    )
    assert "不能停用或启用自己的账号" in response.get_data(as_text=True)
    assert db.session.get(User, system.id).active


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR])
def test_the_database_refuses_a_staff_duty_inside_an_organisation(role: Role) -> None:
    org = make_org(Role.PUBLISHER)
    db.session.add(
        User(email="x@example.com", name="x", password_hash="-", role=role, organization_id=org.id)
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_database_refuses_an_organisation_role_outside_an_organisation() -> None:
    db.session.add(User(email="x@example.com", name="x", password_hash="-", role=Role.FIRM))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_database_refuses_a_role_that_is_not_one_duty() -> None:
    """One column, one value: an account cannot hold two duties, nor the retired 'admin'."""
    with pytest.raises(IntegrityError):
        db.session.execute(
            sa.text(
                "INSERT INTO users (email, name, password_hash, role, active, created_at, "
                "updated_at) VALUES ('y@example.com', 'y', '-', 'sysadmin,auditor', true, "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
    db.session.rollback()
