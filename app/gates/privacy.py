"""Which model columns hold personal information, checked against docs/privacy.md.

A column is personal when a model marks it (`info={"personal": True}` on the column or its
table), when it points at a user (a user id names a person), when its table describes one
person per row (users), or when a word of its name says so (phone, email, ip, address, note …).
The name rules are deliberately wide: a column they catch that is not personal is listed in the
inventory's "reviewed, not personal" table with the reason, so every new column is looked at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from app.gates.lock import ROOT

INVENTORY = ROOT / "docs" / "privacy.md"
# tables whose every row is one person: all their columns are personal
PERSON_TABLES = frozenset({"users"})
# words of a column name (split on "_") that say it may hold personal information
PERSONAL_WORDS = frozenset(
    {
        # who: names, identities, contact points
        *("name", "names", "person", "people", "contact", "contacts", "nickname", "username"),
        *("phone", "mobile", "tel", "telephone", "cellphone", "fax", "wechat", "weixin", "qq"),
        *("email", "mail", "address", "addr", "home", "location", "gps", "lat", "lng"),
        *("card", "identity", "passport", "birth", "birthday", "dob", "gender", "sex", "age"),
        *("nation", "ethnicity", "religion", "health", "salary", "income", "bank", "photo"),
        *("avatar", "face", "fingerprint", "signature", "resume", "family", "emergency"),
        # where from: network and device
        *("ip", "agent", "device", "fingerprint", "remote", "client", "host"),
        # credentials and sign-in state
        *("password", "passwd", "pwd", "secret", "totp", "otp", "mfa", "recovery", "token"),
        *("session", "sid", "login", "logins", "locked", "lockout", "failed", "failures"),
        # people acting on records: snapshots of them, and who did what
        *("user", "actor", "author", "reviewer", "uploader", "viewer", "by", "snapshot"),
        # free text a person writes, which may name people or hold their details
        *("note", "notes", "comment", "comments", "remark", "remarks", "message", "body"),
        *("reason", "proposal", "summary", "filename", "error"),
    }
)
# spellings inside a word (ip_address is caught by words; these catch "homeaddress", "idcard")
PERSONAL_INSIDE = re.compile(r"phone|mail|addr|wechat|idcard|passport|password|secret|birth")
ENTRY = re.compile(r"`([a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*)`")


def _users_key(column: sa.Column) -> bool:
    """A foreign key to users.id: the row names a person."""
    return any(fk.target_fullname == "users.id" for fk in column.foreign_keys)


def is_personal(table: sa.Table, column: sa.Column) -> bool:
    """Whether the column may hold personal information (see the module's rules)."""
    if column.info.get("personal") or table.info.get("personal"):
        return True
    if table.name in PERSON_TABLES and column.name != "id":
        return True
    if _users_key(column):
        return True
    name = column.name.lower()
    return bool(set(name.split("_")) & PERSONAL_WORDS or PERSONAL_INSIDE.search(name))


def model_columns(metadata: sa.MetaData) -> set[str]:
    """Every table.column the models declare."""
    return {f"{t.name}.{c.name}" for t in metadata.tables.values() for c in t.columns}


def personal_columns(metadata: sa.MetaData) -> set[str]:
    """Every table.column the rules call personal."""
    return {
        f"{table.name}.{column.name}"
        for table in metadata.tables.values()
        for column in table.columns
        if is_personal(table, column)
    }


@dataclass(frozen=True)
class Inventory:
    """The two tables of docs/privacy.md: personal columns, and columns reviewed as not personal."""

    personal: dict[str, list[str]]  # table.column -> the row's cells
    reviewed: dict[str, list[str]]


def parse_inventory(markdown: str) -> Inventory:
    """The columns named in the first cell of each table row, under the two headings."""
    personal: dict[str, list[str]] = {}
    reviewed: dict[str, list[str]] = {}
    target: dict[str, list[str]] | None = None
    for line in markdown.splitlines():
        if line.startswith("## "):
            heading = line.lower()
            target = (
                reviewed
                if "not personal" in heading
                else personal
                if "inventory" in heading
                else None
            )
        elif target is not None and line.startswith("| `"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            for name in ENTRY.findall(cells[0]):
                target[name] = cells
    return Inventory(personal, reviewed)


def inventory_problems(metadata: sa.MetaData, markdown: str) -> list[str]:
    """Personal columns not listed, listed columns that no longer exist, rows left incomplete."""
    inventory = parse_inventory(markdown)
    listed = inventory.personal.keys() | inventory.reviewed.keys()
    problems = [
        f"{name} 可能是个人信息，但 docs/privacy.md 未登记（登记到清单，或说明理由列入“not personal”表）"
        for name in sorted(personal_columns(metadata) - listed)
    ]
    problems += [
        f"docs/privacy.md 登记的 {name} 在模型中已不存在：请删除该行"
        for name in sorted(listed - model_columns(metadata))
    ]
    problems += [
        f"{name} 同时登记为个人信息和非个人信息"
        for name in sorted(inventory.personal.keys() & inventory.reviewed.keys())
    ]
    problems += [
        f"docs/privacy.md 中 {name} 一行不完整：需要内容、用途、可见范围、保存期限与删除方式"
        for name, cells in sorted(inventory.personal.items())
        if len(cells) < 5 or not all(cells[:5])
    ]
    return problems


def check_inventory() -> list[str]:
    """inventory_problems of the application's models and the checked-in inventory."""
    from app.models import Base

    return inventory_problems(Base.metadata, INVENTORY.read_text())
