"""Forms of the staff duties: a new staff account, a role grant."""

from __future__ import annotations

from wtforms import SelectChoice, SelectField, StringField

from app.auth.forms import login_email_field
from app.forms import Form, at_most, chosen, required, strip
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
