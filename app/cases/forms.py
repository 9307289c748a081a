"""The administrator's case form."""

from __future__ import annotations

from wtforms import StringField, TextAreaField

from app.cases.services import CaseInput
from app.forms import Form, at_most, between, optional, required, strip


class CaseForm(Form):
    """Problem, solution, result and figures of an excellent case."""

    title = StringField("案例名称", filters=[strip], validators=[required(), between(4, 100)])
    problem = TextAreaField("场景问题", filters=[strip], validators=[required(), at_most(5000)])
    solution = TextAreaField("解决方案", filters=[strip], validators=[required(), at_most(5000)])
    result = TextAreaField("应用成效", filters=[strip], validators=[required(), at_most(5000)])
    figures = TextAreaField(
        "关键数据",
        filters=[strip],
        validators=[optional(), at_most(1000)],
        description="如：合同金额、覆盖范围、效率提升比例。",
    )

    def to_input(self) -> CaseInput:
        """The validated values as the service's input."""
        return CaseInput(
            title=self.title.data,
            problem=self.problem.data,
            solution=self.solution.data,
            result=self.result.data,
            figures=self.figures.data or "",
        )
