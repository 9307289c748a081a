"""Registration and sign-in forms."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Email, EqualTo, ValidationError

from app.forms import (
    Form,
    KeptPasswordInput,
    at_most,
    check_phone,
    chosen,
    optional,
    required,
    strip,
)
from app.organizations.forms import check_uscc, contact_email_field, honours_field
from app.validators import normalize_uscc, password_error

POLICY_HINT = (
    "12至128位，含大写字母、小写字母、数字、符号中的至少3类；"
    "不能是常见密码，不能包含邮箱 @ 前面的部分或统一社会信用代码。"
)


def login_email_field() -> EmailField:
    """The e-mail an account signs in with: required, valid, kept lower-case."""
    return EmailField(
        "登录邮箱",
        filters=[strip, lambda v: v.lower() if v else v],
        validators=[required(), at_most(254), Email(message="请输入有效的邮箱地址。")],
    )


ROLE_CHOICES = [
    SelectChoice("firm", "数字企业（发布能力）"),
    SelectChoice("publisher", "场景发布单位（发布场景）"),
]


class RegisterForm(Form):
    """An organisation and its first user, created together."""

    role = RadioField("注册类型", choices=ROLE_CHOICES, validators=[chosen("请选择注册类型。")])
    org_name = StringField("单位名称", filters=[strip], validators=[required(), at_most(120)])
    org_kind = SelectField("单位性质", validators=[chosen()])
    uscc = StringField(
        "统一社会信用代码",
        filters=[strip, lambda v: normalize_uscc(v) if v else v],
        description="数字企业必填，18位，按 GB 32100-2015 校验。",
    )
    district = SelectField("所在区县", validators=[chosen()])
    is_local = BooleanField("本地单位（注册地或主要经营地在济南）", default=True)
    intro = TextAreaField("单位简介", filters=[strip], validators=[optional(), at_most(1000)])
    honours = honours_field()
    contact_phone = StringField("联系电话", filters=[strip], validators=[required(), at_most(20)])
    contact_email = contact_email_field()
    name = StringField("联系人姓名", filters=[strip], validators=[required(), at_most(40)])
    email = login_email_field()
    password = PasswordField(
        "密码", validators=[required()], description=POLICY_HINT, widget=KeptPasswordInput()
    )
    confirm = PasswordField(
        "确认密码",
        validators=[required(), EqualTo("password", message="两次输入的密码不一致。")],
        widget=KeptPasswordInput(),
    )

    def validate_uscc(self, field: StringField) -> None:
        """Firms must give a valid code; publishers may."""
        check_uscc(self.role.data, field.data)

    def validate_contact_phone(self, field: StringField) -> None:
        """A mobile or a landline."""
        check_phone(field.data)

    def validate_password(self, field: PasswordField) -> None:
        """The password policy, which also refuses the e-mail's name and the credit code."""
        error = password_error(
            field.data or "", email=self.email.data or "", uscc=self.uscc.data or ""
        )
        if error:
            raise ValidationError(error)


class LoginForm(Form):
    """E-mail and password."""

    email = EmailField("登录邮箱", filters=[strip], validators=[required(), at_most(254)])
    password = PasswordField("密码", validators=[required(), at_most(200)])
    # asked only after repeated failures (app/auth/captcha.py)
    captcha = StringField(
        "验证码", filters=[strip], validators=[at_most(10)], description="不区分大小写。"
    )
    next = HiddenField()


class ForgotForm(Form):
    """The e-mail to send a reset link to."""

    email = login_email_field()


class ResetForm(Form):
    """A new password, twice."""

    password = PasswordField("新密码", validators=[required()], description=POLICY_HINT)
    confirm = PasswordField(
        "确认新密码",
        validators=[required(), EqualTo("password", message="两次输入的密码不一致。")],
    )


class PasswordChangeForm(ResetForm):
    """The current password, and the new one twice."""

    current = PasswordField("当前密码", validators=[required(), at_most(200)])


class SecondFactorForm(Form):
    """The 6-digit code of an authenticator app."""

    code = StringField(
        "动态验证码",
        filters=[strip],
        validators=[required(), at_most(10)],
        description="打开验证器应用（如 Microsoft Authenticator、Google 身份验证器），输入6位数字。",
    )
