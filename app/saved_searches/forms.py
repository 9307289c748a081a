"""Forms of saved searches (all POST with CSRF)."""

from __future__ import annotations

from wtforms import HiddenField, StringField

from app.forms import Form, at_most, required, strip


class SaveSearchForm(Form):
    """The 保存此搜索 button of a list page: which list, and its query string."""

    side = HiddenField(validators=[required()])
    query = HiddenField(validators=[at_most(500)], filters=[strip])


class RenameForm(Form):
    """A new name for a saved search."""

    name = StringField("名称", validators=[required("请填写名称。"), at_most(60)], filters=[strip])
