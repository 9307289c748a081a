"""Lists as spreadsheets: the same queries as the pages, one row per listing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from app import clock
from app.excel.workbook import table
from app.models import Capability, Scenario
from app.template_helpers import mask_phone

EXPORT_LIMIT = 10_000

SCENARIO_HEADER = (
    "编号",
    "场景名称",
    "发布单位",
    "应用领域",
    "所在区县",
    "技术方向",
    "预算（万元）",
    "预算上限（万元）",
    "开放方式",
    "申报截止日期",
    "现状与痛点",
    "建设需求",
    "预期成效",
    "联系人",
    "联系电话",
    "状态",
    "发布日期",
)
CAPABILITY_HEADER = (
    "编号",
    "能力名称",
    "企业",
    "能力类型",
    "成熟度",
    "适用领域",
    "技术方向",
    "能力介绍",
    "关键词",
    "资质认证",
    "企业所在区县",
    "状态",
    "发布日期",
)


def scenario_row(s: Scenario, full_contacts: bool) -> list[Any]:
    """One scenario as export cells."""
    phone = s.contact_phone if full_contacts else mask_phone(s.contact_phone)
    return [
        s.id,
        s.title,
        s.organization.name,
        s.domain,
        s.district,
        "、".join(s.tag_names),
        float(s.budget_wan) if s.budget_wan is not None else None,
        float(s.budget_max_wan) if s.budget_max_wan is not None else None,
        s.opening_method,
        s.deadline,
        s.description,
        s.needs,
        s.expected,
        s.contact_name,
        phone,
        s.status.label,
        clock.local_date(s.published_at) if s.published_at else None,
    ]


def capability_row(c: Capability) -> list[Any]:
    """One capability as export cells."""
    return [
        c.id,
        c.title,
        c.organization.name,
        c.cap_type,
        c.maturity,
        "、".join(c.domain_names),
        "、".join(c.tag_names),
        c.description,
        c.keywords,
        c.qualifications,
        c.organization.district,
        c.status.label,
        clock.local_date(c.published_at) if c.published_at else None,
    ]


def scenarios_xlsx(title: str, rows: Iterable[Scenario], full_contacts: bool) -> bytes:
    """Scenarios as a workbook."""
    return table(title, SCENARIO_HEADER, (scenario_row(s, full_contacts) for s in rows))


def capabilities_xlsx(title: str, rows: Iterable[Capability]) -> bytes:
    """Capabilities as a workbook."""
    return table(title, CAPABILITY_HEADER, (capability_row(c) for c in rows))


def listings_xlsx(title: str, rows: Sequence[Scenario | Capability], full_contacts: bool) -> bytes:
    """Either kind, by the type of the rows (a batch holds one kind)."""
    if rows and isinstance(rows[0], Capability):
        return capabilities_xlsx(title, rows)  # type: ignore[arg-type]
    return scenarios_xlsx(title, rows, full_contacts)  # type: ignore[arg-type]
