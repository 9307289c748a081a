"""The decision form used for organisations, listings and recommendations."""

from __future__ import annotations

from wtforms import HiddenField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import ValidationError

from app.forms import Form, at_most, chosen, required, strip
from app.paging import parse_id


class DecisionForm(Form):
    """Approve, or reject with a reason the owner will read."""

    decision = RadioField(
        "审核结果",
        choices=[SelectChoice("approve", "通过"), SelectChoice("reject", "驳回")],
        validators=[chosen("请选择审核结果。")],
    )
    reason = TextAreaField("驳回原因", filters=[strip], validators=[at_most(500)])

    def validate_reason(self, field: TextAreaField) -> None:
        """A rejection always says why."""
        if self.decision.data == "reject" and not field.data:
            raise ValidationError("驳回时请填写原因。")

    @property
    def note(self) -> str:
        """The reason as typed, trimmed ('' when none was given)."""
        return (self.reason.data or "").strip()

    @property
    def approved(self) -> bool:
        """True when the administrator chose to approve."""
        return self.decision.data == "approve"


class VocabularyForm(Form):
    """A dictionary word or a synonym group."""

    kind = RadioField(
        "类型",
        choices=[SelectChoice("word", "词典词"), SelectChoice("synonyms", "同义词组")],
        validators=[chosen("请选择类型。")],
        default="word",
    )
    text = StringField(
        "内容",
        filters=[strip],
        validators=[required(), at_most(200)],
        description="词典词如：桥梁健康监测；同义词组用 ~ 分隔，第一个词为标准名称，如：交通信号控制 ~ 信号配时 ~ 红绿灯配时。",
    )


# the reasons administrators give most often, offered as a list beside free text
COMMON_REASONS = (
    "内容不完整，请补充关键信息",
    "需求或能力描述过于笼统，缺少具体内容和技术指标",
    "预算、截止日期等信息不明确",
    "联系方式无效或不完整",
    "与已发布内容重复",
    "含有广告宣传或与平台无关的内容",
    "资质或案例信息无法核实",
)


class ListingDecisionForm(DecisionForm):
    """A listing decision: the reason may be picked from the common ones, typed, or both."""

    preset = SelectField(
        "常见原因",
        choices=[SelectChoice("", "（选择常见原因）"), *[SelectChoice(r) for r in COMMON_REASONS]],
        default="",
    )
    lock_version = HiddenField()

    def validate_reason(self, field: TextAreaField) -> None:
        """A rejection says why: a common reason, a typed one, or both."""
        if self.decision.data == "reject" and not (field.data or self.preset.data):
            raise ValidationError("驳回时请填写原因（或选择常见原因）。")

    @property
    def note(self) -> str:
        """The chosen common reason followed by what was typed."""
        parts = [self.preset.data or "", (self.reason.data or "").strip()]
        return "；".join(p for p in parts if p)

    def seen_version(self) -> int | None:
        """The listing version the reviewer looked at (None when the form did not say)."""
        return parse_id(self.lock_version.data)


class CloseForm(Form):
    """An administrator closes a published listing, saying why."""

    reason = TextAreaField(
        "关闭原因", filters=[strip], validators=[required("请填写原因。"), at_most(500)]
    )
    lock_version = HiddenField()
