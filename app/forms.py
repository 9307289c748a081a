"""Form pieces shared by every feature: Chinese messages, trimmed text, the empty POST form."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, SelectMultipleField, widgets
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError


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


class Form(FlaskForm):
    """Base form: WTForms' own messages in Simplified Chinese."""

    class Meta:
        locales = ("zh",)


class EmptyForm(Form):
    """A form with only the CSRF token, for POST buttons."""
