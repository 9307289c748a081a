"""docs/privacy.md lists every personal column of the models, and nothing that is gone."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.gates.privacy import (
    INVENTORY,
    check_inventory,
    inventory_problems,
    is_personal,
    parse_inventory,
)

ROW = "| what | purpose | who | kept |"


def scratch(*columns: sa.Column, info: dict | None = None) -> sa.MetaData:
    """A metadata with a users table and one table `t` holding the given columns."""
    metadata = sa.MetaData()
    sa.Table("users", metadata, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table(
        "t", metadata, sa.Column("id", sa.Integer, primary_key=True), *columns, info=info or {}
    )
    return metadata


def inventory(*personal: str, reviewed: tuple[str, ...] = ()) -> str:
    """An inventory in docs/privacy.md's format."""
    rows = [f"| `{name}` {ROW}" for name in personal]
    not_personal = [f"| `{name}` | a reason |" for name in reviewed]
    return "\n".join(["## Inventory", "", *rows, "", "## Reviewed: not personal", *not_personal])


def test_every_personal_column_of_the_models_is_in_the_inventory() -> None:
    assert check_inventory() == []


def test_the_inventory_lists_the_contact_fields_and_credentials() -> None:
    listed = parse_inventory(INVENTORY.read_text()).personal
    expected = {"users.email", "users.password_hash", "contact_reveals.ip", "audit_events.actor_id"}
    assert expected <= listed.keys()
    assert {"scenarios.contact_phone", "organizations.contact_phone"} <= listed.keys()


@pytest.mark.parametrize(
    "name",
    [
        "mobile",
        "id_card_number",
        "home_address",
        "client_ip",
        "ip_address",
        "wechat",
        "contact_person",
        "user_agent",
        "totp_secret",
        "failed_logins",
        "locked_until",
        "actor_name",
        "actor_snapshot",
        "session_token",
        "birthday",
        "real_name",
        "emailaddress",
    ],
)
def test_a_new_column_named_like_personal_data_is_caught(name: str) -> None:
    metadata = scratch(sa.Column(name, sa.String(50)))
    assert is_personal(metadata.tables["t"], metadata.tables["t"].c[name])
    assert inventory_problems(metadata, inventory()) == [
        f"t.{name} 可能是个人信息，但 docs/privacy.md 未登记（登记到清单，或说明理由列入“not personal”表）"
    ]


def test_a_column_the_model_marks_personal_is_caught_whatever_its_name() -> None:
    metadata = scratch(sa.Column("x", sa.String(50), info={"personal": True}))
    assert inventory_problems(metadata, inventory()) != []
    assert inventory_problems(metadata, inventory("t.x")) == []


def test_a_table_marked_personal_has_every_column_caught() -> None:
    metadata = scratch(sa.Column("score", sa.Integer), info={"personal": True})
    assert {p.split(" ")[0] for p in inventory_problems(metadata, inventory())} == {
        "t.id",
        "t.score",
    }


def test_a_reference_to_a_user_is_caught_whatever_its_name() -> None:
    metadata = scratch(sa.Column("approved_by", sa.ForeignKey("users.id")))
    assert inventory_problems(metadata, inventory()) != []


def test_every_column_of_the_users_table_is_personal() -> None:
    metadata = sa.MetaData()
    users = sa.Table(
        "users", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("x", sa.Integer)
    )
    assert is_personal(users, users.c.x)
    assert not is_personal(users, users.c.id)


@pytest.mark.parametrize("name", ["budget_wan", "deadline", "lock_version", "status", "kind"])
def test_ordinary_columns_are_not_caught(name: str) -> None:
    metadata = scratch(sa.Column(name, sa.String(50)))
    assert not is_personal(metadata.tables["t"], metadata.tables["t"].c[name])


def test_a_column_reviewed_as_not_personal_passes() -> None:
    metadata = scratch(sa.Column("name", sa.String(50)))
    assert inventory_problems(metadata, inventory(reviewed=("t.name",))) == []


def test_an_inventory_entry_whose_column_is_gone_is_refused() -> None:
    problems = inventory_problems(scratch(), inventory("t.fax", reviewed=("t.nickname",)))
    assert problems == [
        "docs/privacy.md 登记的 t.fax 在模型中已不存在：请删除该行",
        "docs/privacy.md 登记的 t.nickname 在模型中已不存在：请删除该行",
    ]


def test_a_column_listed_in_both_tables_is_refused() -> None:
    metadata = scratch(sa.Column("phone", sa.String(20)))
    problems = inventory_problems(metadata, inventory("t.phone", reviewed=("t.phone",)))
    assert problems == ["t.phone 同时登记为个人信息和非个人信息"]


def test_an_inventory_row_without_its_retention_is_refused() -> None:
    metadata = scratch(sa.Column("phone", sa.String(20)))
    text = "## Inventory\n| `t.phone` | a phone | contact | 公众 masked |  |\n"
    assert inventory_problems(metadata, text) == [
        "docs/privacy.md 中 t.phone 一行不完整：需要内容、用途、可见范围、保存期限与删除方式"
    ]
