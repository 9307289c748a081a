"""The columns of the scenario and capability spreadsheets: header, meaning and rules.

A column's rules (required, lengths, ranges, how many terms) are the field's rules in
app.listing_kinds.fields, the ones the owners' form checks; only the header note and the width are
the spreadsheet's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

from app import listing_kinds as kinds
from app.listing_kinds.fields import CAPABILITY_RULES, SCENARIO_RULES, FieldRule, FieldType

Kind = Literal["scenario", "capability"]
KINDS: tuple[Kind, ...] = tuple(cast(Kind, kind.name) for kind in kinds.KINDS)
KIND_LABELS = {kind.name: kind.noun for kind in kinds.KINDS}

# how a cell is read: the field's type (an e-mail or a phone number is text checked further)
CellType = FieldType


@dataclass(frozen=True)
class Column:
    """One column of a template."""

    key: str
    header: str
    type: CellType = "text"
    required: bool = False
    taxonomy: str = ""  # the taxonomy kind for term/terms columns
    min_len: int = 0
    max_len: int = 0
    max_items: int = 0  # for terms columns
    note: str = ""
    width: int = 16
    rule: FieldRule | None = None
    # added to the template later: a file made from an older template may lack it
    header_optional: bool = False

    @classmethod
    def of(cls, rule: FieldRule, note: str = "", width: int = 16, **extra: bool) -> Column:
        """The column of a listing field, checked by the field's rule."""
        return cls(
            rule.key,
            rule.label,
            rule.type,
            rule.required,
            rule.taxonomy,
            rule.min_len,
            rule.max_len,
            rule.max_items,
            note,
            width,
            rule,
            **extra,
        )


ORG_COLUMN = Column(
    "organization",
    "所属单位",
    note="仅管理员导入时填写：单位全称或18位统一社会信用代码；单位用户导入时忽略此列（导入到本单位）。",
    width=24,
)

_S = SCENARIO_RULES
SCENARIO_COLUMNS: tuple[Column, ...] = (
    Column.of(_S["title"], "4至100个字；同一单位内名称相同的行视为同一场景，重复导入会跳过。", 30),
    Column.of(_S["domain"]),
    Column.of(_S["district"]),
    Column.of(_S["description"], "20至5000个字。", 40),
    Column.of(_S["needs"], width=40),
    Column.of(_S["expected"], width=30),
    Column.of(_S["tags"], "1至5项，多项用顿号“、”或逗号分隔。", 24),
    Column.of(_S["budget_wan"], "数字，可留空；预算为区间时填写下限。"),
    Column.of(
        _S["budget_max_wan"],
        "预算为区间时填写上限，可留空；须同时填写预算下限，且不低于下限。",
        header_optional=True,
    ),
    Column.of(_S["opening_method"]),
    Column.of(
        _S["deadline"], "可留空；格式 2026-12-31、2026/12/31 或 2026年12月31日，不早于今天。"
    ),
    Column.of(_S["contact_name"]),
    Column.of(_S["contact_phone"], "手机号或座机号，如 13905310000、0531-88888888。"),
    Column.of(_S["contact_email"], "可留空。", 24, header_optional=True),
)

_C = CAPABILITY_RULES
CAPABILITY_COLUMNS: tuple[Column, ...] = (
    Column.of(_C["title"], "4至100个字；同一单位内名称相同的行视为同一能力，重复导入会跳过。", 30),
    Column.of(_C["cap_type"]),
    Column.of(_C["maturity"]),
    Column.of(_C["domains"], "1至3项，多项用顿号“、”或逗号分隔。", 24),
    Column.of(_C["tags"], "1至5项，多项用顿号“、”或逗号分隔。", 24),
    Column.of(_C["description"], "20至5000个字。", 40),
    Column.of(_C["keywords"], "用逗号或顿号分隔。", 24),
    Column.of(_C["qualifications"], width=24),
    Column.of(_C["case_client"], "可留空；填写时须同时填写案例年份。", 20),
    Column.of(_C["case_year"], "1990至2100之间的年份。"),
    Column.of(_C["case_result"], width=30),
)


def columns(kind: Kind) -> tuple[Column, ...]:
    """The columns of a kind's template, the organisation column last."""
    return (*kinds.by_name(kind).columns, ORG_COLUMN)


def sheet_title(kind: Kind) -> str:
    """The name of the data sheet."""
    return f"{KIND_LABELS[kind]}清单"
