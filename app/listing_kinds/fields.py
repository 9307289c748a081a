"""The rules of each listing field, declared once for the owners' forms and the Excel columns.

A rule says what a value must be (required, length, range, how many choices, which taxonomy);
app.workspace.forms turns it into WTForms validators and app.excel.columns into a template
column, so a spreadsheet row is refused exactly where the form would refuse the same input.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from email_validator import EmailNotValidError, validate_email

# how a value is typed: free text, one taxonomy term, several terms, an amount, a year, a date,
# an e-mail address or a phone number
FieldType = Literal["text", "term", "terms", "decimal", "year", "date", "email", "phone"]

MAX_TEXT = 5000
MAX_BUDGET = Decimal(1_000_000)
BUDGET_MESSAGE = "预算应在0至100万万元之间。"
EMAIL_MESSAGE = "请输入有效的邮箱地址。"
YEAR_MESSAGE = "年份应在1990至2100之间。"


@dataclass(frozen=True)
class FieldRule:
    """What one field of a listing accepts."""

    key: str
    label: str
    type: FieldType = "text"
    required: bool = False
    min_len: int = 0
    max_len: int = 0
    taxonomy: str = ""  # the taxonomy kind of a term or terms field
    min_items: int = 0
    max_items: int = 0
    minimum: Decimal | int | None = None
    maximum: Decimal | int | None = None
    range_message: str = ""

    def length_error(self, text: str) -> str | None:
        """Why a text is too short or too long, in Chinese; None when it fits."""
        if self.min_len and len(text) < self.min_len:
            return f"至少{self.min_len}个字（当前{len(text)}个字）。"
        if self.max_len and len(text) > self.max_len:
            return f"不能超过{self.max_len}个字（当前{len(text)}个字）。"
        return None

    def range_error(self, value: Decimal | int) -> str | None:
        """Why a number is out of range; None when it is inside."""
        low = self.minimum is not None and value < self.minimum
        high = self.maximum is not None and value > self.maximum
        return self.range_message if low or high else None


def email_error(text: str) -> str | None:
    """Why an e-mail address is invalid (the check WTForms' Email validator makes); None if valid."""
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return EMAIL_MESSAGE
    return None


def budget_range_error(low: Decimal | None, high: Decimal | None) -> str | None:
    """Why a budget's upper end does not fit its lower end; None when the range is sound."""
    if high is None:
        return None
    if low is None:
        return "填写预算上限时请同时填写预算下限。"
    if high < low:
        return "预算上限应不低于预算下限。"
    return None


def _rules(*rules: FieldRule) -> dict[str, FieldRule]:
    return {rule.key: rule for rule in rules}


def _budget(key: str, label: str) -> FieldRule:
    return FieldRule(
        key, label, "decimal", minimum=0, maximum=MAX_BUDGET, range_message=BUDGET_MESSAGE
    )


TAGS = FieldRule("tags", "技术方向", "terms", True, taxonomy="tag", min_items=1, max_items=5)

SCENARIO_RULES = _rules(
    FieldRule("title", "场景名称", required=True, min_len=4, max_len=100),
    FieldRule("domain", "应用领域", "term", True, taxonomy="domain"),
    FieldRule("district", "所在区县", "term", True, taxonomy="district"),
    FieldRule("description", "现状与痛点", required=True, min_len=20, max_len=MAX_TEXT),
    FieldRule("needs", "建设需求", max_len=MAX_TEXT),
    FieldRule("expected", "预期成效", max_len=2000),
    TAGS,
    _budget("budget_wan", "预算（万元）"),
    _budget("budget_max_wan", "预算上限（万元）"),
    FieldRule("opening_method", "开放方式", "term", True, taxonomy="opening_method"),
    FieldRule("deadline", "申报截止日期", "date"),
    FieldRule("contact_name", "联系人", required=True, max_len=40),
    FieldRule("contact_phone", "联系电话", "phone", required=True, max_len=20),
    FieldRule("contact_email", "联系邮箱", "email", max_len=254),
)

CAPABILITY_RULES = _rules(
    FieldRule("title", "能力名称", required=True, min_len=4, max_len=100),
    FieldRule("cap_type", "能力类型", "term", True, taxonomy="capability_type"),
    FieldRule("maturity", "成熟度", "term", True, taxonomy="maturity"),
    FieldRule("domains", "适用领域", "terms", True, taxonomy="domain", min_items=1, max_items=3),
    TAGS,
    FieldRule("description", "能力介绍", required=True, min_len=20, max_len=MAX_TEXT),
    FieldRule("keywords", "关键词", max_len=200),
    # the stored column holds 200 characters: the chosen and the typed names together
    FieldRule("qualifications", "资质认证", max_len=200, max_items=20),
    FieldRule("other_qualifications", "其他资质", max_len=100),
    FieldRule("case_client", "案例客户", max_len=100),
    FieldRule(
        "case_year", "案例年份", "year", minimum=1990, maximum=2100, range_message=YEAR_MESSAGE
    ),
    FieldRule("case_result", "案例成效", max_len=1000),
)
