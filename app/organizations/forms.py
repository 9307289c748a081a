"""The organisation profile form, and field checks shared with registration."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import Email, ValidationError

from app.forms import (
    CheckboxListField,
    Form,
    ValidChoices,
    at_most,
    check_phone,
    chosen,
    optional,
    required,
)
from app.forms import strip as strip_text
from app.validators import normalize_uscc, uscc_error


def contact_email_field() -> EmailField:
    """An optional public contact e-mail (masked until revealed)."""
    return EmailField(
        "联系邮箱",
        filters=[strip_text, lambda v: v.lower() if v else v],
        validators=[optional(), at_most(254), Email(message="请输入有效的邮箱地址。")],
        description="对外联系邮箱，未查看前仅显示部分字符。",
    )


def honours_field() -> CheckboxListField:
    """The organisation's honours (专精特新, 上市 …), checked against the taxonomy."""
    return CheckboxListField("企业荣誉", validators=[ValidChoices(maximum=10)])


def check_uscc(role: str | None, value: str | None) -> None:
    """Firms must give a valid code; publishers may."""
    if not value:
        if role == "firm":
            raise ValidationError("数字企业须填写统一社会信用代码。")
        return
    error = uscc_error(value)
    if error:
        raise ValidationError(error)


class ProfileForm(Form):
    """What an organisation tells the public about itself."""

    org_name = StringField("单位名称", filters=[strip_text], validators=[required(), at_most(120)])
    uscc = StringField(
        "统一社会信用代码",
        filters=[strip_text, lambda v: normalize_uscc(v) if v else v],
        description="数字企业必填。修改单位名称或信用代码后，单位需重新审核。",
    )
    org_kind = SelectField("单位性质", validators=[chosen()])
    district = SelectField("所在区县", validators=[chosen()])
    is_local = BooleanField("本地单位（注册地或主要经营地在济南）")
    industry_chain = SelectField("所属产业链", validators=[optional()])
    honours = honours_field()
    intro = TextAreaField("单位简介", filters=[strip_text], validators=[optional(), at_most(2000)])
    contact_name = StringField("联系人", filters=[strip_text], validators=[required(), at_most(40)])
    contact_phone = StringField(
        "联系电话", filters=[strip_text], validators=[required(), at_most(20)]
    )
    contact_email = contact_email_field()

    def __init__(self, *args: object, role: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.role = role

    def validate_uscc(self, field: StringField) -> None:
        """Firms must give a valid code; publishers may."""
        check_uscc(self.role, field.data)

    def validate_contact_phone(self, field: StringField) -> None:
        """A mobile or a landline."""
        check_phone(field.data)
