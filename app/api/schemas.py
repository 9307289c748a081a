"""The API's marshmallow schemas: query arguments and resources (the OpenAPI document's source).

Query schemas refuse unknown arguments (a 400 problem): a misspelt filter is an error, never a
silently unfiltered list.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import RAISE, Schema, fields, validate

from app.api.paging import NO_CONTROL_CHARS, PageArgs
from app.search.filters import DEADLINES, MAX_BUDGET, MAX_QUERY, MAX_TERM


class UtcDateTime(fields.DateTime):
    """A timestamp in ISO 8601 with its offset (SQLite hands back naive UTC times)."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


def _term(description: str, limit: int = MAX_TERM) -> fields.String:
    return fields.String(
        error_messages={"invalid": "必须是文本。"},
        validate=[
            validate.Length(max=limit, error=f"长度不能超过 {limit} 个字符。"),
            NO_CONTROL_CHARS,
        ],
        metadata={"description": description},
    )


def _budget(description: str) -> fields.Float:
    # a number in the document (a Decimal field's bounds would be written as strings)
    return fields.Float(
        allow_nan=False,
        error_messages={"invalid": "必须是数字（万元）。", "special": "必须是有限的数字。"},
        validate=validate.Range(
            min=0, max=int(MAX_BUDGET), error="预算必须在 0 到 1000000 万元之间。"
        ),
        metadata={"description": description},
    )


class StrictArgs(Schema):
    """Unknown query arguments are refused."""

    error_messages = {"unknown": "未知的查询参数。", "type": "查询参数无效。"}

    class Meta:
        unknown = RAISE


class ListingArgs(StrictArgs, PageArgs):
    """Filters both lists share (as on the list pages)."""

    q = _term("关键词（中文分词检索，同列表页搜索框）", MAX_QUERY)
    domain = _term("应用领域，如 智慧交通")
    district = _term("区县，如 历下区（能力清单按企业所在区县）")
    tag = _term("技术方向，如 人工智能")
    local = fields.Boolean(
        error_messages={"invalid": "只能是 true 或 false。"},
        metadata={"description": "仅本地单位/企业（true/false）"},
    )


class ScenarioArgs(ListingArgs):
    """Filters of the scenario list."""

    opening_method = _term("开放方式，如 揭榜挂帅")
    budget_min = _budget("预算下限（万元）：预算上限不低于此值的场景")
    budget_max = _budget("预算上限（万元）：预算下限不高于此值的场景")
    deadline = fields.String(
        validate=validate.OneOf(tuple(DEADLINES), error="deadline 只能是 open、7、30 或 90。"),
        metadata={"description": "申报截止：open 未截止，7/30/90 天内截止"},
    )


class CapabilityArgs(ListingArgs):
    """Filters of the capability list."""

    honour = _term("企业荣誉，如 专精特新")


class KeywordArgs(StrictArgs, PageArgs):
    """A keyword and paging (excellent cases, organisations)."""

    q = _term("关键词", MAX_QUERY)


class BatchArgs(StrictArgs, PageArgs):
    """Batch lists: by kind."""

    kind = fields.String(
        validate=validate.OneOf(
            ("scenario", "capability"), error="kind 只能是 scenario 或 capability。"
        ),
        metadata={"description": "scenario（场景机会清单）或 capability（能力清单）"},
    )


class OrganizationArgs(StrictArgs, PageArgs):
    """Organisation lists."""

    q = _term("单位名称关键词", MAX_QUERY)
    role = fields.String(
        validate=validate.OneOf(("publisher", "firm"), error="role 只能是 publisher 或 firm。"),
        metadata={"description": "publisher（场景发布单位）或 firm（数字企业）"},
    )
    district = _term("所在区县")
    local = fields.Boolean(
        error_messages={"invalid": "只能是 true 或 false。"}, metadata={"description": "仅本地单位"}
    )


class NoArgs(StrictArgs):
    """No query arguments at all."""


# ---------------------------------------------------------------- resources


class Contact(Schema):
    """Contacts masked exactly as on the public pages."""

    name = fields.String(required=True)
    phone = fields.String(required=True, metadata={"description": "已脱敏，如 138****0001"})
    email = fields.String(required=True, metadata={"description": "已脱敏，如 z***@example.com"})


class OrganizationRef(Schema):
    """The organisation behind a listing."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    is_local = fields.Boolean(required=True)
    url = fields.String(required=True)


class ScenarioSummary(Schema):
    """A scenario in a list."""

    id = fields.String(required=True, metadata={"description": "公开标识，如 jnsc-S-42"})
    url = fields.String(required=True, metadata={"description": "平台上的页面"})
    title = fields.String(required=True)
    domain = fields.String(required=True)
    district = fields.String(required=True)
    technologies = fields.List(fields.String(), required=True)
    opening_method = fields.String(required=True)
    budget_min_wan = fields.Float(required=True, allow_none=True)
    budget_max_wan = fields.Float(required=True, allow_none=True)
    deadline = fields.Date(required=True, allow_none=True)
    publisher = fields.Nested(OrganizationRef, required=True)
    published_at = UtcDateTime(required=True, allow_none=True)
    updated_at = UtcDateTime(required=True)


class Scenario(ScenarioSummary):
    """A published scenario with its texts and (masked) contact."""

    description = fields.String(required=True)
    needs = fields.String(required=True)
    expected = fields.String(required=True)
    contact = fields.Nested(Contact, required=True)


class ReferenceCase(Schema):
    """Where a capability was used before."""

    client = fields.String(required=True)
    year = fields.Integer(required=True)
    result = fields.String(required=True)


class CapabilitySummary(Schema):
    """A capability in a list."""

    id = fields.String(required=True, metadata={"description": "公开标识，如 jnsc-C-7"})
    url = fields.String(required=True)
    title = fields.String(required=True)
    type = fields.String(required=True)
    maturity = fields.String(required=True)
    domains = fields.List(fields.String(), required=True)
    technologies = fields.List(fields.String(), required=True)
    firm = fields.Nested(OrganizationRef, required=True)
    published_at = UtcDateTime(required=True, allow_none=True)
    updated_at = UtcDateTime(required=True)


class Capability(CapabilitySummary):
    """A published capability with its texts, cases and the firm's (masked) contact."""

    description = fields.String(required=True)
    keywords = fields.List(fields.String(), required=True)
    qualifications = fields.String(required=True)
    reference_cases = fields.List(fields.Nested(ReferenceCase), required=True)
    contact = fields.Nested(Contact, required=True)


def page_of(item: type[Schema], name: str) -> type[Schema]:
    """The envelope of a list of `item`."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item), required=True),
            "next": fields.String(
                required=True, allow_none=True, metadata={"description": "下一页的完整地址"}
            ),
            "next_cursor": fields.String(required=True, allow_none=True),
        },
        name=name,
    )


ScenarioPage = page_of(ScenarioSummary, "ScenarioPage")
CapabilityPage = page_of(CapabilitySummary, "CapabilityPage")


class ProblemDocument(Schema):
    """An error (RFC 9457 problem details), with a Chinese title and detail."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    instance = fields.String(required=True)
    request_id = fields.String(required=True)
    errors = fields.Raw(metadata={"description": "各参数的错误说明（参数校验失败时）"})


class BatchSummary(Schema):
    """A 第N批 list."""

    kind = fields.String(required=True, metadata={"description": "scenario 或 capability"})
    number = fields.Integer(required=True, metadata={"description": "第N批的 N（按类型分别编号）"})
    title = fields.String(required=True)
    intro = fields.String(required=True)
    publish_on = fields.Date(required=True)
    url = fields.String(required=True)


class BatchItem(Schema):
    """One listing of a batch."""

    position = fields.Integer(required=True)
    id = fields.String(required=True, metadata={"description": "清单项的公开标识"})
    title = fields.String(required=True)
    organization = fields.String(required=True)
    listed = fields.Boolean(required=True, metadata={"description": "目前是否仍在公开清单中"})


class Batch(BatchSummary):
    """A batch with its listings in order."""

    items = fields.List(fields.Nested(BatchItem), required=True)


class ExcellentCase(Schema):
    """A published excellent case (优秀案例)."""

    id = fields.Integer(required=True)
    url = fields.String(required=True)
    title = fields.String(required=True)
    problem = fields.String(required=True)
    solution = fields.String(required=True)
    result = fields.String(required=True)
    figures = fields.String(required=True)
    domain = fields.String(required=True)
    district = fields.String(required=True)
    publisher = fields.String(required=True)
    firm = fields.String(required=True)
    firm_is_local = fields.Boolean(required=True)
    golive_date = fields.Date(required=True, allow_none=True)
    published_at = UtcDateTime(required=True)


class OrganizationSummary(Schema):
    """An approved publisher or firm: public fields only."""

    id = fields.Integer(required=True)
    url = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True, metadata={"description": "publisher 或 firm"})
    kind = fields.String(required=True)
    uscc = fields.String(required=True, allow_none=True)
    district = fields.String(required=True)
    is_local = fields.Boolean(required=True)
    industry_chain = fields.String(required=True, allow_none=True)
    honours = fields.List(fields.String(), required=True)


class Organization(OrganizationSummary):
    """An organisation with its introduction and masked contact."""

    intro = fields.String(required=True)
    contact = fields.Nested(Contact, required=True)


BatchPage = page_of(BatchSummary, "BatchPage")
CasePage = page_of(ExcellentCase, "CasePage")
OrganizationPage = page_of(OrganizationSummary, "OrganizationPage")


class Chart(Schema):
    """One public figure as a table."""

    key = fields.String(required=True)
    title = fields.String(required=True)
    kind = fields.String(required=True)
    note = fields.String(required=True)
    columns = fields.List(fields.String(), required=True)
    rows = fields.List(fields.List(fields.Raw(allow_none=True)), required=True)


class Summary(Schema):
    """The headline figures of the public dashboard."""

    scenarios_published = fields.Integer(required=True)
    capabilities_published = fields.Integer(required=True)
    recommendations_made = fields.Integer(required=True)
    recommendations_approved = fields.Integer(required=True)
    recommendations_rejected = fields.Integer(required=True)
    engagements = fields.Integer(required=True)
    contracts_signed = fields.Integer(required=True)
    contract_amount_wan = fields.Float(required=True)
    local_share = fields.Float(required=True, allow_none=True)
    median_days_to_first_engagement = fields.Float(required=True, allow_none=True)


class Dashboard(Schema):
    """The public dashboard's figures (数据看板)."""

    generated_at = UtcDateTime(required=True, allow_none=True)
    summary = fields.Nested(Summary, required=True)
    charts = fields.List(fields.Nested(Chart), required=True)
