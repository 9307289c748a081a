"""The upload form."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import SelectChoice, SelectField

from app.excel.columns import KIND_LABELS
from app.forms import Form, optional


class UploadForm(Form):
    """A filled template; administrators also say which kind it holds."""

    # only administrators see this field; owners import their own kind (the view decides)
    kind = SelectField(
        "导入内容",
        choices=[SelectChoice(k, v) for k, v in KIND_LABELS.items()],
        validators=[optional()],
        default="scenario",
    )
    file = FileField("Excel 文件（.xlsx）", validators=[FileRequired("请选择要上传的文件。")])
