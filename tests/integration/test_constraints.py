"""The database itself enforces the rules, whatever code writes to it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Role, User
from tests.factories import make_capability, make_org, make_scenario, make_user


def refused(statement: str, **params: object) -> bool:
    """True when the database rejects the statement."""
    try:
        with db.session.begin_nested():
            db.session.execute(sa.text(statement), params)
    except sa.exc.IntegrityError:
        return True
    return False


def test_foreign_keys_are_enforced() -> None:
    assert refused(
        "INSERT INTO users (email, name, password_hash, role, organization_id, active, created_at, updated_at)"
        " VALUES ('x@example.com', 'x', 'h', 'firm', 999999, true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
    )


@pytest.mark.parametrize(
    ("table", "column"),
    [("scenarios", "status"), ("capabilities", "status"), ("organizations", "status")],
)
def test_unknown_statuses_are_refused(table: str, column: str) -> None:
    org = make_org(Role.PUBLISHER)
    row_id = {
        "scenarios": lambda: make_scenario(org).id,
        "capabilities": lambda: make_capability(make_org(Role.FIRM)).id,
        "organizations": lambda: org.id,
    }[table]()
    assert refused(f"UPDATE {table} SET {column} = 'bogus' WHERE id = :id", id=row_id)  # noqa: S608 -- names from the parametrize list


def test_a_firm_needs_a_code_and_codes_are_unique() -> None:
    org = make_org(Role.FIRM)
    assert refused("UPDATE organizations SET uscc = NULL WHERE id = :id", id=org.id)
    other = make_org(Role.FIRM)
    assert refused(
        "UPDATE organizations SET uscc = :code WHERE id = :id", code=org.uscc, id=other.id
    )


def test_an_administrator_belongs_to_no_organisation_and_others_to_one() -> None:
    admin = make_user(None, Role.REVIEWER)
    org = make_org(Role.FIRM)
    assert refused(
        "UPDATE users SET organization_id = :org WHERE id = :id", org=org.id, id=admin.id
    )
    firm_user = make_user(org)
    assert refused("UPDATE users SET organization_id = NULL WHERE id = :id", id=firm_user.id)
    assert db.session.get(User, firm_user.id).organization_id == org.id


def test_a_recommendation_is_decided_with_a_reviewer_and_a_time() -> None:
    scenario = make_scenario(make_org(Role.PUBLISHER))
    capability = make_capability(make_org(Role.FIRM))
    db.session.execute(
        sa.text(
            "INSERT INTO recommendations (scenario_id, capability_id, score, terms, status,"
            " review_note, created_at, updated_at) VALUES (:s, :c, 0.5, '[]', 'pending', '',"
            " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        ),
        {"s": scenario.id, "c": capability.id},
    )
    db.session.commit()
    assert refused("UPDATE recommendations SET status = 'approved'")
    assert refused("UPDATE recommendations SET score = 1.5")
