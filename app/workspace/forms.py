"""Forms owners fill in for scenarios and capabilities."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from wtforms import DateField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import NumberRange, ValidationError

from app import taxonomy
from app.forms import (
    CheckboxListField,
    Form,
    ValidChoices,
    at_most,
    between,
    chosen,
    optional,
    required,
    strip,
)
from app.listings.services import CapabilityInput, CaseInput, ScenarioInput
from app.models.base import utcnow
from app.validators import phone_error

MAX_TEXT = 5000


class ScenarioForm(Form):
    """A scenario opportunity."""

    title = StringField("场景名称", filters=[strip], validators=[required(), between(4, 100)])
    domain = SelectField("应用领域", validators=[chosen()])
    district = SelectField("所在区县", validators=[chosen()])
    description = TextAreaField(
        "现状与痛点", filters=[strip], validators=[required(), between(20, MAX_TEXT)]
    )
    needs = TextAreaField("建设需求", filters=[strip], validators=[optional(), at_most(MAX_TEXT)])
    expected = TextAreaField("预期成效", filters=[strip], validators=[optional(), at_most(2000)])
    tags = CheckboxListField("技术方向", validators=[ValidChoices(minimum=1, maximum=5)])
    budget_wan = DecimalField(
        "预算（万元）",
        places=2,
        validators=[
            optional(),
            NumberRange(min=0, max=1_000_000, message="预算应在0至100万万元之间。"),
        ],
    )
    opening_method = SelectField("开放方式", validators=[chosen()])
    deadline = DateField("申报截止日期", validators=[optional()])
    contact_name = StringField("联系人", filters=[strip], validators=[required(), at_most(40)])
    contact_phone = StringField("联系电话", filters=[strip], validators=[required(), at_most(20)])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.domain.choices = taxonomy.choices("domain")
        self.district.choices = taxonomy.choices("district")
        self.tags.choices = taxonomy.choices("tag")
        self.opening_method.choices = taxonomy.choices("opening_method")

    def validate_deadline(self, field: DateField) -> None:
        """A deadline in the past would expire the scenario at once."""
        if field.data and field.data < utcnow().date():
            raise ValidationError("截止日期不能早于今天。")

    def validate_contact_phone(self, field: StringField) -> None:
        """A mobile or a landline."""
        error = phone_error(field.data or "")
        if error:
            raise ValidationError(error)

    def to_input(self) -> ScenarioInput:
        """The validated values as the service's input."""
        budget: Decimal | None = self.budget_wan.data
        deadline: date | None = self.deadline.data
        return ScenarioInput(
            title=self.title.data,
            domain=self.domain.data,
            district=self.district.data,
            description=self.description.data,
            needs=self.needs.data or "",
            expected=self.expected.data or "",
            tags=list(self.tags.data or []),
            budget_wan=budget,
            opening_method=self.opening_method.data,
            deadline=deadline,
            contact_name=self.contact_name.data,
            contact_phone=self.contact_phone.data,
        )


class CapabilityForm(Form):
    """A product, solution, service or platform."""

    title = StringField("能力名称", filters=[strip], validators=[required(), between(4, 100)])
    cap_type = SelectField("能力类型", validators=[chosen()])
    maturity = SelectField("成熟度", validators=[chosen()])
    domains = CheckboxListField("适用领域", validators=[ValidChoices(minimum=1, maximum=3)])
    tags = CheckboxListField("技术方向", validators=[ValidChoices(minimum=1, maximum=5)])
    description = TextAreaField(
        "能力介绍", filters=[strip], validators=[required(), between(20, MAX_TEXT)]
    )
    keywords = StringField(
        "关键词",
        filters=[strip],
        validators=[optional(), at_most(200)],
        description="用逗号或顿号分隔。",
    )
    qualifications = StringField(
        "资质认证",
        filters=[strip],
        validators=[optional(), at_most(200)],
        description="如 CMMI5、ISO 27001、等保三级测评、首版次软件、信创适配认证。",
    )
    case_client = StringField("案例客户", filters=[strip], validators=[optional(), at_most(100)])
    case_year = IntegerField(
        "案例年份",
        validators=[
            optional(),
            NumberRange(min=1990, max=2100, message="年份应在1990至2100之间。"),
        ],
    )
    case_result = TextAreaField("案例成效", filters=[strip], validators=[optional(), at_most(1000)])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.cap_type.choices = taxonomy.choices("capability_type")
        self.maturity.choices = taxonomy.choices("maturity")
        self.domains.choices = taxonomy.choices("domain")
        self.tags.choices = taxonomy.choices("tag")

    def validate_case_year(self, field: IntegerField) -> None:
        """A case cannot be from the future."""
        if field.data is not None and field.data > utcnow().year:
            raise ValidationError("案例年份不能晚于今年。")

    def validate(self, extra_validators: dict | None = None) -> bool:
        """Field checks, then the case's cross-field rule (empty fields skip their own checks)."""
        valid = super().validate(extra_validators)
        return self._case_is_complete() and valid

    def _case_is_complete(self) -> bool:
        year_typed = bool((self.case_year.raw_data or [""])[0].strip())
        if self.case_client.data and not year_typed:
            self.case_year.errors = [*self.case_year.errors, "填写案例客户时请同时填写年份。"]
            return False
        if not self.case_client.data and (year_typed or self.case_result.data):
            self.case_client.errors = [*self.case_client.errors, "请填写案例客户名称。"]
            return False
        return True

    def to_input(self) -> CapabilityInput:
        """The validated values as the service's input."""
        case = (
            CaseInput(self.case_client.data, int(self.case_year.data), self.case_result.data or "")
            if self.case_client.data and self.case_year.data is not None
            else None
        )
        return CapabilityInput(
            title=self.title.data,
            cap_type=self.cap_type.data,
            maturity=self.maturity.data,
            domains=list(self.domains.data or []),
            tags=list(self.tags.data or []),
            description=self.description.data,
            keywords=self.keywords.data or "",
            qualifications=self.qualifications.data or "",
            case=case,
        )
