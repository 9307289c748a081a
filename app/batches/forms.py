"""Forms for composing and publishing batches."""

from __future__ import annotations

from wtforms import DateField, SelectChoice, SelectField, StringField, TextAreaField

from app.forms import Form, at_most, between, chosen, optional, required, strip, submission_token
from app.models import BatchKind


class CreateForm(Form):
    """Start a batch of one kind."""

    submission = submission_token()
    kind = SelectField(
        "清单类型",
        choices=[SelectChoice(k.value, k.label) for k in BatchKind],
        validators=[chosen()],
    )


class BatchForm(Form):
    """Title, introduction; the listings come as checkboxes named listing."""

    title = StringField("批次标题", filters=[strip], validators=[required(), between(4, 100)])
    intro = TextAreaField("说明", filters=[strip], validators=[optional(), at_most(2000)])


class PublishForm(Form):
    """The day the batch becomes public."""

    publish_on = DateField("发布日期", validators=[required("请选择发布日期。")])
