"""GET /api/v1/scenarios, /api/v1/capabilities and one listing by its public identifier."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from flask_smorest import Blueprint
from marshmallow import RAISE

from app.api import listing_pages as pages
from app.api import schemas
from app.api.caching import last_modified_headers
from app.api.paging import BAD_CURSOR, decode_cursor, page_body
from app.api.problems import abort_problem
from app.open_data.identifiers import parse_public_id

if TYPE_CHECKING:
    from app.models import Capability, Scenario

blp = Blueprint(
    "api_listings",
    __name__,
    description="已发布的场景机会清单和能力清单（与列表页相同的筛选条件；最新发布在前）",
)
NOT_FOUND = "没有这个公开标识的已发布{what}（可能已关闭、撤回或过期）。"


def _after(args: dict[str, Any]) -> pages.Position | None:
    position = decode_cursor(args.get("cursor"))
    if position is not None and not pages.valid_position(position):
        abort_problem(400, BAD_CURSOR)
    return position


def _listing(side: str, text: str, what: str) -> Any:
    parsed = parse_public_id(text)
    listing = pages.get(side, parsed[1]) if parsed and parsed[0] == side else None
    if listing is None:
        abort_problem(404, NOT_FOUND.format(what=what))
    return listing


@blp.route("/scenarios")
@blp.arguments(schemas.ScenarioArgs, location="query", unknown=RAISE)
@blp.response(200, schemas.ScenarioPage)
def scenarios(args: dict[str, Any]) -> dict[str, Any]:
    """场景机会清单：已发布且未截止的场景，最新发布在前。"""
    filters = pages.filters_from(args, "scenario")
    rows, position = pages.page("scenario", filters, args["limit"], _after(args))
    listed = cast("list[Scenario]", rows)  # the scenario side's page: scenarios only
    return page_body([pages.scenario_summary(s) for s in listed], position)


@blp.route("/scenarios/<string:public_id>")
@blp.arguments(schemas.NoArgs, location="query", unknown=RAISE)
@blp.response(200, schemas.Scenario)
def scenario(_args: dict[str, Any], public_id: str) -> tuple[dict[str, Any], int, dict[str, str]]:
    """一个已发布的场景（联系方式已脱敏，同公开页面）。"""
    found = _listing("scenario", public_id, "场景")
    return pages.scenario_detail(found), 200, last_modified_headers(found.updated_at)


@blp.route("/capabilities")
@blp.arguments(schemas.CapabilityArgs, location="query", unknown=RAISE)
@blp.response(200, schemas.CapabilityPage)
def capabilities(args: dict[str, Any]) -> dict[str, Any]:
    """能力清单：已发布的能力，最新发布在前。"""
    filters = pages.filters_from(args, "capability")
    rows, position = pages.page("capability", filters, args["limit"], _after(args))
    listed = cast("list[Capability]", rows)  # the capability side's page: capabilities only
    return page_body([pages.capability_summary(c) for c in listed], position)


@blp.route("/capabilities/<string:public_id>")
@blp.arguments(schemas.NoArgs, location="query", unknown=RAISE)
@blp.response(200, schemas.Capability)
def capability(_args: dict[str, Any], public_id: str) -> tuple[dict[str, Any], int, dict[str, str]]:
    """一项已发布的能力（企业联系方式已脱敏，同公开页面）。"""
    found = _listing("capability", public_id, "能力")
    return pages.capability_detail(found), 200, last_modified_headers(found.updated_at)
