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
from wtforms.validators import NumberRange, ValidationError

from app import clock, taxonomy
from app.forms import (
    CheckboxListField,
    Form,
    SubForm,
    ValidChoices,
    at_most,
    between,
    check_phone,
    chosen,
    optional,
    required,
    strip,
    submission_token,
)
from app.listing_kinds.fields import (
    CAPABILITY_RULES,
    SCENARIO_RULES,
    FieldRule,
    budget_range_error,
    email_error,
)
from app.listing_kinds.versions import CapabilityInput, CaseInput, ScenarioInput
from app.models.base import utcnow
from app.models.listing import QUALIFICATION_SEPARATOR, split_qualifications
from app.paging import parse_id

MAX_CASES = 10


def _email(_form: Any, field: Any) -> None:
    error = email_error(field.data) if field.data else None
    if error:
        raise ValidationError(error)


def checks(rule: FieldRule) -> list[Any]:
    """The WTForms validators of a field rule (app.listing_kinds.fields, shared with Excel)."""
    if rule.type == "term":
        return [chosen()]
    if rule.type == "terms":
        return [ValidChoices(minimum=rule.min_items, maximum=rule.max_items or 99)]
    validators: list[Any] = [required() if rule.required else optional()]
    if rule.min_len:
        validators.append(between(rule.min_len, rule.max_len))
    elif rule.max_len:
        validators.append(at_most(rule.max_len))
    if rule.minimum is not None or rule.maximum is not None:
        validators.append(NumberRange(rule.minimum, rule.maximum, rule.range_message))
    if rule.type == "email":
        validators.append(_email)
    return validators


def _text(rules: dict[str, FieldRule], key: str, field: Any = StringField, **kw: Any) -> Any:
    rule = rules[key]
    return field(rule.label, filters=[strip], validators=checks(rule), **kw)


def _choice(rules: dict[str, FieldRule], key: str) -> Any:
    rule = rules[key]
    field = CheckboxListField if rule.type == "terms" else SelectField
    return field(rule.label, validators=checks(rule))


_S, _C = SCENARIO_RULES, CAPABILITY_RULES


class LockedForm(Form):
    """An edit form that carries the version of the listing it was filled from."""

    lock_version = HiddenField()
    submission = submission_token()  # claimed by the new-draft views only

    def seen_version(self) -> int | None:
        """The listing version the user saw ('' on create forms)."""
        return parse_id(self.lock_version.data)

    def ready_to_show(self) -> None:
        """Prepare the form for display (a kind's form may add empty rows to type into)."""


class ScenarioForm(LockedForm):
    """A scenario opportunity."""

    title = _text(_S, "title")
    domain = _choice(_S, "domain")
    district = _choice(_S, "district")
    description = _text(_S, "description", TextAreaField)
    needs = _text(_S, "needs", TextAreaField)
    expected = _text(_S, "expected", TextAreaField)
    tags = _choice(_S, "tags")
    budget_wan = DecimalField(
        _S["budget_wan"].label,
        places=2,
        validators=checks(_S["budget_wan"]),
        description="填写金额；预算为区间时填写下限，并在右侧填写上限。",
    )
    budget_max_wan = DecimalField(
        _S["budget_max_wan"].label, places=2, validators=checks(_S["budget_max_wan"])
    )
    opening_method = _choice(_S, "opening_method")
    deadline = DateField(_S["deadline"].label, validators=checks(_S["deadline"]))
    contact_name = _text(_S, "contact_name")
    contact_phone = _text(_S, "contact_phone")
    contact_email = _text(_S, "contact_email", EmailField)

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
        error = budget_range_error(self.budget_wan.data, field.data)
        if error:
            raise ValidationError(error)

    def validate_contact_phone(self, field: StringField) -> None:
        """A mobile or a landline."""
        check_phone(field.data)

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

    client = _text(_C, "case_client")
    year = IntegerField(
        _C["case_year"].label.removeprefix("案例"), validators=checks(_C["case_year"])
    )
    result = _text(_C, "case_result", TextAreaField)

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

    title = _text(_C, "title")
    cap_type = _choice(_C, "cap_type")
    maturity = _choice(_C, "maturity")
    domains = _choice(_C, "domains")
    tags = _choice(_C, "tags")
    description = _text(_C, "description", TextAreaField)
    keywords = _text(_C, "keywords", description="用逗号或顿号分隔。")
    qualifications = CheckboxListField(
        _C["qualifications"].label,
        validators=[ValidChoices(maximum=_C["qualifications"].max_items)],
    )
    other_qualifications = _text(
        _C,
        "other_qualifications",
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

    def ready_to_show(self) -> None:
        """One empty case row to type into when JavaScript (which adds rows) is off."""
        if len(self.cases) < self.cases.max_entries and not self.cases[-1].form.is_blank():
            self.cases.append_entry()

    def validate(self, extra_validators: dict | None = None) -> bool:
        """Field checks, then each case row's cross-field rule and the length of the whole."""
        valid = super().validate(extra_validators)
        rows = all([row.form.complete() for row in self.cases if not row.form.is_blank()])
        return self._qualifications_fit() and rows and valid

    def _qualifications_fit(self) -> bool:
        # the stored column holds 200 characters: the chosen and the typed names together
        limit = _C["qualifications"].max_len
        if len(QUALIFICATION_SEPARATOR.join(self._qualification_names())) > limit:
            self.other_qualifications.errors = [
                *self.other_qualifications.errors,
                f"资质认证合计不能超过{limit}个字。",
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
