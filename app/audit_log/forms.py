"""The audit viewer's filters (read from the query string; GET needs no CSRF token)."""

from __future__ import annotations

from typing import Any

from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import ValidationError

from app.forms import Form, at_most, optional, strip

OUTCOMES = [
    SelectChoice("", "全部结果"),
    SelectChoice("success", "成功"),
    SelectChoice("failure", "失败"),
]


class FilterForm(Form):
    """Time range, actor, action, outcome, object type and client address."""

    class Meta:
        csrf = False

    start = DateField("起始日期", validators=[optional()])
    end = DateField("截止日期", validators=[optional()])
    actor = StringField("操作人邮箱", filters=[strip], validators=[optional(), at_most(254)])
    action = StringField("操作", filters=[strip], validators=[optional(), at_most(40)])
    outcome = SelectField("结果", choices=OUTCOMES, default="")
    subject_type = StringField("对象类型", filters=[strip], validators=[optional(), at_most(30)])
    client_address = StringField(
        "客户端地址", filters=[strip], validators=[optional(), at_most(45)]
    )

    def validate_end(self, field: Any) -> None:
        """The range must not end before it starts."""
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError("截止日期不能早于起始日期。")

    def filters(self) -> dict[str, Any] | None:
        """The filled-in filters, for the query; None when one of them is invalid."""
        if not self.validate():
            return None
        return {name: value for name, value in self.data.items() if value not in (None, "")}
