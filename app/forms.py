"""Form pieces shared by every feature: Chinese messages, trimmed text, the empty POST form.

Every text field of every form (and sub-form) refuses control characters, and every decimal
field refuses NaN and infinities: the checks are added when the field is bound, so no form can
forget them.
"""

from __future__ import annotations

import secrets
from typing import Any

import wtforms
from flask_wtf import FlaskForm
from wtforms import DecimalField, Field, HiddenField, SelectMultipleField, StringField, widgets
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    StopValidation,
    ValidationError,
)

from app.validators import CONTROL_MESSAGE, has_control_chars, phone_error


def check_phone(value: str | None) -> None:
    """A mobile or a landline (every contact phone field's own check)."""
    error = phone_error(value or "")
    if error:
        raise ValidationError(error)


def strip(value: Any) -> Any:
    """Trim surrounding whitespace from text input."""
    return value.strip() if isinstance(value, str) else value


def required(message: str = "请填写此项。") -> DataRequired:
    """A required field with a Chinese message."""
    return DataRequired(message=message)


def chosen(message: str = "请选择此项。") -> InputRequired:
    """A required choice with a Chinese message."""
    return InputRequired(message=message)


def at_most(limit: int) -> Length:
    """A maximum length with a Chinese message."""
    return Length(max=limit, message=f"不能超过{limit}个字。")


def between(low: int, high: int) -> Length:
    """A length range with a Chinese message."""
    return Length(min=low, max=high, message=f"长度应为{low}至{high}个字。")


def optional() -> Optional:
    """An optional field (stops validation when empty)."""
    return Optional()


def submission_token() -> HiddenField:
    """The one-time token of a form that creates a record (see app/submissions.py)."""
    return HiddenField(default=lambda: secrets.token_hex(16))


class KeptPasswordInput(widgets.PasswordInput):
    """A password box that keeps what was typed when only another field was refused.

    A registration refused for its credit code should not make the user type both passwords
    again; a password that was itself refused (policy, mismatch) comes back empty.
    """

    def __init__(self) -> None:
        super().__init__(hide_value=False)

    def __call__(self, field: Field, **kwargs: Any) -> Any:
        if field.errors:
            kwargs["value"] = ""
        return super().__call__(field, **kwargs)


class ValidChoices:
    """Every selected value must be one of the field's choices (Chinese message)."""

    def __init__(self, minimum: int = 0, maximum: int = 99) -> None:
        self.minimum, self.maximum = minimum, maximum

    def __call__(self, form: FlaskForm, field: Field) -> None:
        """Refuse unknown values and too few or too many selections."""
        allowed = {choice.value for choice in field.choices or []}
        values = field.data or []
        if any(v not in allowed for v in values):
            raise ValidationError("包含无效的选项。")
        if len(values) < self.minimum:
            raise ValidationError(f"请至少选择{self.minimum}项。")
        if len(values) > self.maximum:
            raise ValidationError(f"最多选择{self.maximum}项。")


class CheckboxListField(SelectMultipleField):
    """A multiple choice rendered as checkboxes; validation is done by ValidChoices."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form: FlaskForm) -> None:
        """Leave choice checks to ValidChoices, which speaks Chinese."""


def no_control_chars(_form: wtforms.Form, field: Field) -> None:
    """Refuse NUL and other control characters (tab and line breaks are text)."""
    if isinstance(field.data, str) and has_control_chars(field.data):
        # the label names the field in messages shown away from it (flashes); hidden fields
        # have only their English name as a label
        label = field.label.text if not field.label.text.isascii() else ""
        raise ValidationError(f"{label}{CONTROL_MESSAGE}")


def finite_number(_form: wtforms.Form, field: Field) -> None:
    """Refuse NaN and infinities, which Decimal reads and range checks cannot compare."""
    if field.data is not None and not field.data.is_finite():
        raise StopValidation(f"{field.label.text}应为有效的数字。")


class _InputGuard:
    """Meta mixin: text fields get no_control_chars, decimal fields finite_number."""

    def bind_field(self, form: wtforms.Form, unbound_field: Any, options: dict) -> Field:
        """Bind as usual, then add the check (a new list: the declared one is shared)."""
        field = super().bind_field(form, unbound_field, options)  # type: ignore[misc]
        if isinstance(field, StringField):
            field.validators = [*field.validators, no_control_chars]
        elif isinstance(field, DecimalField):
            # first, before a range check compares a signalling NaN (which raises)
            field.validators = [finite_number, *field.validators]
        return field


class Form(FlaskForm):
    """Base form: WTForms' own messages in Simplified Chinese; text without control characters."""

    class Meta(_InputGuard):
        locales = ("zh",)


class SubForm(wtforms.Form):
    """A form nested in another (FormField): no CSRF token of its own, the same text check."""

    class Meta(_InputGuard):
        pass


class EmptyForm(Form):
    """A form with only the CSRF token, for POST buttons."""
