"""Forms owners fill in for scenarios and capabilities, and for ending a listing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from wtforms import (
    DateField,
    DecimalField,
    EmailField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Email, NumberRange, ValidationError

from app import clock, taxonomy
from app.forms import (
    CheckboxListField,
    Form,
    SubForm,
    ValidChoices,
    at_most,
    between,
    chosen,
    optional,
    required,
    strip,
    submission_token,
)
from app.listings.versions import CapabilityInput, CaseInput, ScenarioInput
from app.models.base import utcnow
from app.models.listing import QUALIFICATION_SEPARATOR, split_qualifications
from app.paging import parse_id
from app.validators import phone_error

MAX_TEXT = 5000
MAX_CASES = 10
BUDGET_RANGE = NumberRange(min=0, max=1_000_000, message="预算应在0至100万万元之间。")


class LockedForm(Form):
    """An edit form that carries the version of the listing it was filled from."""

    lock_version = HiddenField()
    submission = submission_token()  # claimed by the new-draft views only

    def seen_version(self) -> int | None:
        """The listing version the user saw ('' on create forms)."""
        return parse_id(self.lock_version.data)


class ScenarioForm(LockedForm):
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
        validators=[optional(), BUDGET_RANGE],
        description="填写金额；预算为区间时填写下限，并在右侧填写上限。",
    )
    budget_max_wan = DecimalField(
        "预算上限（万元）", places=2, validators=[optional(), BUDGET_RANGE]
    )
    opening_method = SelectField("开放方式", validators=[chosen()])
    deadline = DateField("申报截止日期", validators=[optional()])
    contact_name = StringField("联系人", filters=[strip], validators=[required(), at_most(40)])
    contact_phone = StringField("联系电话", filters=[strip], validators=[required(), at_most(20)])
    contact_email = EmailField(
        "联系邮箱",
        filters=[strip],
        validators=[optional(), at_most(254), Email(message="请输入有效的邮箱地址。")],
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.domain.choices = taxonomy.choices("domain")
        self.district.choices = taxonomy.choices("district")
        self.tags.choices = taxonomy.choices("tag")
        self.opening_method.choices = taxonomy.choices("opening_method")

    def validate_deadline(self, field: DateField) -> None:
        """A deadline in the past would expire the scenario at once."""
        if field.data and field.data < clock.today():
            raise ValidationError("截止日期不能早于今天。")

    def validate_budget_max_wan(self, field: DecimalField) -> None:
        """A range needs its lower end, and the upper end may not be below it."""
        if field.data is None:
            return
        if self.budget_wan.data is None:
            raise ValidationError("填写预算上限时请同时填写预算下限。")
        if field.data < self.budget_wan.data:
            raise ValidationError("预算上限应不低于预算下限。")

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
            budget_max_wan=self.budget_max_wan.data,
            opening_method=self.opening_method.data,
            deadline=deadline,
            contact_name=self.contact_name.data,
            contact_phone=self.contact_phone.data,
            contact_email=self.contact_email.data or "",
        )

    @staticmethod
    def data_of(data: ScenarioInput) -> dict[str, Any]:
        """Initial form values for stored content."""
        return {
            "title": data.title,
            "domain": data.domain,
            "district": data.district,
            "description": data.description,
            "needs": data.needs,
            "expected": data.expected,
            "tags": data.tags,
            "budget_wan": data.budget_wan,
            "budget_max_wan": data.budget_max_wan,
            "opening_method": data.opening_method,
            "deadline": data.deadline,
            "contact_name": data.contact_name,
            "contact_phone": data.contact_phone,
            "contact_email": data.contact_email,
        }


class CaseForm(SubForm):
    """One reference case row (a sub-form: the CSRF token is the parent's)."""

    client = StringField("案例客户", filters=[strip], validators=[optional(), at_most(100)])
    year = IntegerField(
        "年份",
        validators=[
            optional(),
            NumberRange(min=1990, max=2100, message="年份应在1990至2100之间。"),
        ],
    )
    result = TextAreaField("案例成效", filters=[strip], validators=[optional(), at_most(1000)])

    def validate_year(self, field: IntegerField) -> None:
        """A case cannot be from the future."""
        if field.data is not None and field.data > utcnow().year:
            raise ValidationError("案例年份不能晚于今年。")

    def is_blank(self) -> bool:
        """Nothing typed in this row: it is ignored."""
        return not (self.client.data or self._year_typed() or self.result.data)

    def _year_typed(self) -> bool:
        return bool((self.year.raw_data or [""])[0].strip())

    def complete(self) -> bool:
        """A typed row needs both client and year (checked after the fields' own checks)."""
        if self.client.data and not self._year_typed():
            self.year.errors = [*self.year.errors, "填写案例客户时请同时填写年份。"]
            return False
        if not self.client.data and (self._year_typed() or self.result.data):
            self.client.errors = [*self.client.errors, "请填写案例客户名称。"]
            return False
        return True


class CapabilityForm(LockedForm):
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
    qualifications = CheckboxListField("资质认证", validators=[ValidChoices(maximum=20)])
    other_qualifications = StringField(
        "其他资质",
        filters=[strip],
        validators=[optional(), at_most(100)],
        description="列表中没有的资质，用顿号分隔，如：CMMI5、等保三级测评。",
    )
    cases = FieldList(FormField(CaseForm), label="应用案例", min_entries=1, max_entries=MAX_CASES)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.cap_type.choices = taxonomy.choices("capability_type")
        self.maturity.choices = taxonomy.choices("maturity")
        self.domains.choices = taxonomy.choices("domain")
        self.tags.choices = taxonomy.choices("tag")
        self.qualifications.choices = taxonomy.choices("qualification")

    def validate(self, extra_validators: dict | None = None) -> bool:
        """Field checks, then each case row's cross-field rule and the length of the whole."""
        valid = super().validate(extra_validators)
        rows = all([row.form.complete() for row in self.cases if not row.form.is_blank()])
        return self._qualifications_fit() and rows and valid

    def _qualifications_fit(self) -> bool:
        # the stored column holds 200 characters: the chosen and the typed names together
        if len(QUALIFICATION_SEPARATOR.join(self._qualification_names())) > 200:
            self.other_qualifications.errors = [
                *self.other_qualifications.errors,
                "资质认证合计不能超过200个字。",
            ]
            return False
        return True

    def _qualification_names(self) -> list[str]:
        chosen_names = list(self.qualifications.data or [])
        typed = split_qualifications(self.other_qualifications.data or "")
        return list(dict.fromkeys(chosen_names + typed))

    def to_input(self) -> CapabilityInput:
        """The validated values as the service's input."""
        cases = [
            CaseInput(row.form.client.data, int(row.form.year.data), row.form.result.data or "")
            for row in self.cases
            if not row.form.is_blank()
        ]
        return CapabilityInput(
            title=self.title.data,
            cap_type=self.cap_type.data,
            maturity=self.maturity.data,
            domains=list(self.domains.data or []),
            tags=list(self.tags.data or []),
            description=self.description.data,
            keywords=self.keywords.data or "",
            qualifications=self._qualification_names(),
            cases=cases,
        )

    @staticmethod
    def data_of(data: CapabilityInput) -> dict[str, Any]:
        """Initial form values for stored content (unknown qualifications go to 其他资质)."""
        known = set(taxonomy.names("qualification"))
        return {
            "title": data.title,
            "cap_type": data.cap_type,
            "maturity": data.maturity,
            "domains": data.domains,
            "tags": data.tags,
            "description": data.description,
            "keywords": data.keywords,
            "qualifications": [q for q in data.qualifications if q in known],
            "other_qualifications": QUALIFICATION_SEPARATOR.join(
                q for q in data.qualifications if q not in known
            ),
            "cases": [{"client": c.client, "year": c.year, "result": c.result} for c in data.cases]
            or [{}],
        }


class EndForm(LockedForm):
    """Withdraw or close a listing, saying why."""

    reason = TextAreaField(
        "原因", filters=[strip], validators=[required("请填写原因。"), at_most(500)]
    )
