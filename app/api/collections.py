"""GET /api/v1/batches, /api/v1/cases, /api/v1/organizations and one of each."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import RAISE

from app.api import records, schemas
from app.api.caching import one_resource
from app.api.paging import decode_cursor, page_body
from app.listing_kinds import KINDS as LISTING_KINDS

blp = Blueprint(
    "api_collections",
    __name__,
    description="第N批清单、优秀案例和单位公开信息（与公开页面相同的内容）",
)
# a batch (第N批) lists one kind of listing: any registered kind's name
KINDS = f"<any({', '.join(kind.name for kind in LISTING_KINDS)}):kind>"


@blp.route("/batches")
@blp.arguments(schemas.BatchArgs, location="query", unknown=RAISE)
@blp.response(200, schemas.BatchPage)
def batches(args: dict[str, Any]) -> dict[str, Any]:
    """已发布的第N批清单，最新发布在前。"""
    rows, position = records.batch_page(
        args.get("kind"), decode_cursor(args["cursor"]), args["limit"]
    )
    return page_body([records.batch_summary(b) for b in rows], position)


@blp.route(f"/batches/{KINDS}/<int:number>")
@blp.arguments(schemas.NoArgs, location="query", unknown=RAISE)
@blp.response(200, schemas.Batch)
def batch(
    _args: dict[str, Any], kind: str, number: int
) -> tuple[dict[str, Any], int, dict[str, str]]:
    """一个已发布的批次（kind：scenario 场景机会清单 / capability 能力清单；number：第N批）。"""
    found = records.public_batch(kind, number)
    return one_resource(found, f"没有已发布的第{number}批清单。", records.batch_detail)


@blp.route("/cases")
@blp.arguments(schemas.KeywordArgs, location="query", unknown=RAISE)
@blp.response(200, schemas.CasePage)
def cases(args: dict[str, Any]) -> dict[str, Any]:
    """已发布的优秀案例，最新发布在前（q：标题、内容或单位名称中的关键词）。"""
    keyword = (args.get("q") or "").strip()
    rows, position = records.case_page(keyword, decode_cursor(args["cursor"]), args["limit"])
    return page_body([records.case_view(c) for c in rows], position)


@blp.route("/cases/<int:case_id>")
@blp.arguments(schemas.NoArgs, location="query", unknown=RAISE)
@blp.response(200, schemas.ExcellentCase)
def case(_args: dict[str, Any], case_id: int) -> tuple[dict[str, Any], int, dict[str, str]]:
    """一个已发布的优秀案例。"""
    found = records.published_case(case_id)
    return one_resource(found, "没有这个已发布的优秀案例。", records.case_view)


@blp.route("/organizations")
@blp.arguments(schemas.OrganizationArgs, location="query", unknown=RAISE)
@blp.response(200, schemas.OrganizationPage)
def organizations(args: dict[str, Any]) -> dict[str, Any]:
    """审核通过的场景发布单位和数字企业（仅公开信息），按编号排列。"""
    rows, position = records.organization_page(args, decode_cursor(args["cursor"]), args["limit"])
    return page_body([records.organization_summary(o) for o in rows], position)


@blp.route("/organizations/<int:org_id>")
@blp.arguments(schemas.NoArgs, location="query", unknown=RAISE)
@blp.response(200, schemas.Organization)
def organization(_args: dict[str, Any], org_id: int) -> tuple[dict[str, Any], int, dict[str, str]]:
    """一个审核通过的单位（联系方式已脱敏，同公开页面）。"""
    found = records.public_organization(org_id)
    return one_resource(found, "没有这个审核通过的单位。", records.organization_detail)
