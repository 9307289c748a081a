"""Forms of the engagement pages: apply, change stage, shortlist."""

from __future__ import annotations

from flask import current_app
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    TextAreaField,
)
from wtforms.validators import NumberRange

from app.engagements.lifecycle import MAX_NOTE, StageChange
from app.engagements.services import MAX_PROPOSAL, MIN_PROPOSAL
from app.forms import Form, at_most, between, optional, required, strip, submission_token
from app.models import EngagementStage
from app.models.engagement import MAX_CONTRACT_WAN


class ApplyForm(Form):
    """揭榜/申请: a short proposal, optionally naming one of the firm's capabilities."""

    proposal = TextAreaField(
        "申请说明",
        filters=[strip],
        validators=[required("请填写申请说明。"), between(MIN_PROPOSAL, MAX_PROPOSAL)],
        description="简述贵单位的解决思路、类似案例和可投入的团队。",
    )
    # the hint names the size limit in force (ATTACHMENT_MAX_BYTES), set in __init__
    attachment = FileField("附件（可选）", render_kw={"accept": ".pdf,.docx,.pptx"})
    capability_id = SelectField("对应能力（可选）", coerce=lambda v: int(v) if v else None)
    submission = submission_token()

    def __init__(self, *args: object, capabilities: list | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        limit = int(current_app.config["ATTACHMENT_MAX_BYTES"]) / (1024 * 1024)
        self.attachment.description = (
            f"方案材料，仅支持 PDF、DOCX 或 PPTX 格式，不超过 {limit:g} MB；"
            "文件类型按内容校验，扩展名与内容不符的文件会被拒绝。"
        )
        self.capability_id.choices = [("", "不指定")] + [
            (c.id, c.title) for c in capabilities or []
        ]


class VersionedForm(Form):
    """A form that carries the version of the engagement the page showed."""

    lock_version = IntegerField(validators=[optional()])


class StageForm(VersionedForm):
    """One stage change; the lifecycle checks which fields the target needs."""

    target = HiddenField(validators=[required("请选择操作。")])
    note = TextAreaField("备注", filters=[strip], validators=[optional(), at_most(MAX_NOTE)])
    contract_amount_wan = DecimalField(
        "合同金额（万元）",
        places=2,
        validators=[
            optional(),
            NumberRange(
                min=0.01,
                max=float(MAX_CONTRACT_WAN),
                message=f"合同金额应在0.01至{MAX_CONTRACT_WAN:,}万元之间。",
            ),
        ],
    )
    contract_date = DateField("签约日期", validators=[optional()])
    golive_date = DateField("上线日期", validators=[optional()])
    result_summary = TextAreaField(
        "落地成效", filters=[strip], validators=[optional(), at_most(MAX_NOTE)]
    )
    end_reason = TextAreaField(
        "终止原因", filters=[strip], validators=[optional(), at_most(MAX_NOTE)]
    )

    def to_change(self) -> StageChange | None:
        """The submitted change, or None for an unknown target."""
        try:
            target = EngagementStage(self.target.data)
        except ValueError:
            return None
        return StageChange(
            target=target,
            note=self.note.data or "",
            expected_version=self.lock_version.data,
            contract_amount_wan=self.contract_amount_wan.data,
            contract_date=self.contract_date.data,
            golive_date=self.golive_date.data,
            result_summary=self.result_summary.data or "",
            end_reason=self.end_reason.data or "",
        )


class ShortlistForm(VersionedForm):
    """Put an applicant on the shortlist, or take it off."""

    shortlisted = BooleanField("入围")
