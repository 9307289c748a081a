"""The decision form used for organisations, listings and recommendations."""

from __future__ import annotations

from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import ValidationError

from app.forms import Form, at_most, chosen, required, strip


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
