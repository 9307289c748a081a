"""The columns of the scenario and capability spreadsheets: header, meaning and rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["scenario", "capability"]
KINDS: tuple[Kind, ...] = ("scenario", "capability")
KIND_LABELS = {"scenario": "场景", "capability": "能力"}

# how a cell is read: free text, one taxonomy term, several terms, a number, a year or a date
CellType = Literal["text", "term", "terms", "decimal", "year", "date"]


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


ORG_COLUMN = Column(
    "organization",
    "所属单位",
    note="仅管理员导入时填写：单位全称或18位统一社会信用代码；单位用户导入时忽略此列（导入到本单位）。",
    width=24,
)

SCENARIO_COLUMNS: tuple[Column, ...] = (
    Column(
        "title",
        "场景名称",
        required=True,
        min_len=4,
        max_len=100,
        width=30,
        note="4至100个字；同一单位内名称相同的行视为同一场景，重复导入会跳过。",
    ),
    Column("domain", "应用领域", "term", required=True, taxonomy="domain"),
    Column("district", "所在区县", "term", required=True, taxonomy="district"),
    Column(
        "description",
        "现状与痛点",
        required=True,
        min_len=20,
        max_len=5000,
        width=40,
        note="20至5000个字。",
    ),
    Column("needs", "建设需求", max_len=5000, width=40),
    Column("expected", "预期成效", max_len=2000, width=30),
    Column(
        "tags",
        "技术方向",
        "terms",
        required=True,
        taxonomy="tag",
        max_items=5,
        width=24,
        note="1至5项，多项用顿号“、”或逗号分隔。",
    ),
    Column("budget_wan", "预算（万元）", "decimal", note="数字，可留空。"),
    Column("opening_method", "开放方式", "term", required=True, taxonomy="opening_method"),
    Column(
        "deadline",
        "申报截止日期",
        "date",
        width=16,
        note="可留空；格式 2026-12-31、2026/12/31 或 2026年12月31日，不早于今天。",
    ),
    Column("contact_name", "联系人", required=True, max_len=40),
    Column(
        "contact_phone",
        "联系电话",
        required=True,
        max_len=20,
        note="手机号或座机号，如 13905310000、0531-88888888。",
    ),
)

CAPABILITY_COLUMNS: tuple[Column, ...] = (
    Column(
        "title",
        "能力名称",
        required=True,
        min_len=4,
        max_len=100,
        width=30,
        note="4至100个字；同一单位内名称相同的行视为同一能力，重复导入会跳过。",
    ),
    Column("cap_type", "能力类型", "term", required=True, taxonomy="capability_type"),
    Column("maturity", "成熟度", "term", required=True, taxonomy="maturity"),
    Column(
        "domains",
        "适用领域",
        "terms",
        required=True,
        taxonomy="domain",
        max_items=3,
        width=24,
        note="1至3项，多项用顿号“、”或逗号分隔。",
    ),
    Column(
        "tags",
        "技术方向",
        "terms",
        required=True,
        taxonomy="tag",
        max_items=5,
        width=24,
        note="1至5项，多项用顿号“、”或逗号分隔。",
    ),
    Column(
        "description",
        "能力介绍",
        required=True,
        min_len=20,
        max_len=5000,
        width=40,
        note="20至5000个字。",
    ),
    Column("keywords", "关键词", max_len=200, width=24, note="用逗号或顿号分隔。"),
    Column("qualifications", "资质认证", max_len=200, width=24),
    Column(
        "case_client", "案例客户", max_len=100, width=20, note="可留空；填写时须同时填写案例年份。"
    ),
    Column("case_year", "案例年份", "year", note="1990至2100之间的年份。"),
    Column("case_result", "案例成效", max_len=2000, width=30),
)


def columns(kind: Kind) -> tuple[Column, ...]:
    """The columns of a kind's template, the organisation column last."""
    own = SCENARIO_COLUMNS if kind == "scenario" else CAPABILITY_COLUMNS
    return (*own, ORG_COLUMN)


def sheet_title(kind: Kind) -> str:
    """The name of the data sheet."""
    return f"{KIND_LABELS[kind]}清单"
