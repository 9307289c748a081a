"""The upload form."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired

from app.forms import Form


class UploadForm(Form):
    """One file at a time."""

    file = FileField("选择文件", validators=[FileRequired("请选择要上传的文件。")])
