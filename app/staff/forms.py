"""Forms of the staff duties: a new staff account, a role grant."""

from __future__ import annotations

from wtforms import IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import NumberRange

from app.api.tokens import MAX_DAYS
from app.auth.forms import login_email_field
from app.forms import Form, at_most, chosen, optional, required, strip
from app.models.org import ROLE_LABELS, STAFF_ROLES


class StaffAccountForm(Form):
    """A person joining the platform's staff (the role comes later, from a 安全管理员)."""

    name = StringField("姓名", filters=[strip], validators=[required(), at_most(40)])
    email = login_email_field()


class GrantForm(Form):
    """One staff duty for one account."""

    role = SelectField(
        "授予角色",
        choices=[
            SelectChoice(role.value, ROLE_LABELS[role])
            for role in sorted(STAFF_ROLES, key=lambda r: list(ROLE_LABELS).index(r))
        ],
        validators=[chosen("请选择角色。")],
    )


class ApiTokenForm(Form):
    """A partner system's access to the open-data API (系统管理员)."""

    partner = StringField(
        "合作单位", filters=[strip], validators=[required("请填写合作单位名称。"), at_most(100)]
    )
    note = StringField("用途说明", filters=[strip], validators=[optional(), at_most(200)])
    days = IntegerField(
        "有效期（天）",
        default=365,
        validators=[
            chosen("请填写有效期。"),
            NumberRange(min=1, max=MAX_DAYS, message=f"有效期应在1至{MAX_DAYS}天之间。"),
        ],
    )
