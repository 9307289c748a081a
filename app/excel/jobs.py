"""The spreadsheet import, run as a job: checked again, tokenised, inserted all or nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from app.errors import DomainError
from app.excel import services, storage
from app.excel.columns import KIND_LABELS
from app.extensions import db
from app.jobs import JobContext, job
from app.models import Role, User

IMPORT = "excel.import"
GONE = "导入文件已失效（已导入、已放弃或超过一天），没有导入任何数据。请重新上传。"
RACED = "部分数据刚刚已被导入（可能是重复提交），本次没有保存任何数据。请重新检查。"


@job(IMPORT, label="Excel 导入", queue="bulk", attempts=2, backoff=(10,), timeout=1800)
def import_upload(ctx: JobContext, token: str, user_id: int) -> dict[str, Any]:
    """Import every valid row of an upload in one transaction that also consumes the upload.

    A worker that dies half-way commits nothing (the run is retried; the upload is still
    there). A refusal (the file no longer checks out, or its rows were imported meanwhile) is
    the outcome the user reads, not a failure to retry.
    """
    user = db.session.get(User, user_id)
    upload = storage.load(token, user_id)
    if user is None or upload is None:
        return {"error": GONE}
    try:
        checked = services.check(upload.data, upload.kind, user)  # type: ignore[arg-type]
        ctx.progress(0, len(checked.valid), "检查")
        outcome = services.import_valid(checked, user, ctx.progress)
        storage.discard(token)  # consumed with the import, or kept with it for another try
        db.session.flush()
    except DomainError as error:
        db.session.rollback()
        return {"error": error.message, "token": token}
    except IntegrityError:
        db.session.rollback()
        return {"error": RACED, "token": token}
    state = "待审核" if user.role is Role.REVIEWER else "草稿"
    return {
        "kind": upload.kind,
        "created": outcome.created,
        "skipped": outcome.skipped,
        "refused": outcome.refused,
        "message": (
            f"已导入{outcome.created}条{KIND_LABELS[upload.kind]}（{state}）；"
            f"已导入过而跳过{outcome.skipped}条；有问题未导入{outcome.refused}条。"
        ),
    }


@job("imports.sweep", label="清理未确认的导入文件", attempts=1)
def sweep(ctx: JobContext) -> dict[str, Any]:
    """Remove spreadsheets uploaded more than a day ago and never imported."""
    return {"removed": storage.sweep()}
