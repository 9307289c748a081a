"""GET /api/v1/scenarios, /api/v1/capabilities and one listing by its public identifier."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_smorest import Blueprint
from marshmallow import RAISE

from app.api import listing_pages as pages
from app.api import schemas
from app.api.caching import one_resource
from app.api.paging import BAD_CURSOR, decode_cursor, page_body
from app.errors.problems import abort_problem
from app.listing_kinds import CAPABILITY, SCENARIO, ListingKind
from app.open_data.identifiers import parse_public_id

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


# the API's own representation of each kind: a summary in lists, the whole of one
Represent = Callable[[Any], dict[str, Any]]
SUMMARY: dict[str, Represent] = {
    SCENARIO.name: pages.scenario_summary,
    CAPABILITY.name: pages.capability_summary,
}
DETAIL: dict[str, Represent] = {
    SCENARIO.name: pages.scenario_detail,
    CAPABILITY.name: pages.capability_detail,
}


def _page(kind: ListingKind, args: dict[str, Any]) -> dict[str, Any]:
    """One page of a kind's published listings, newest first."""
    filters = pages.filters_from(args, kind.name)
    rows, position = pages.page(kind.name, filters, args["limit"], _after(args))
    return page_body([SUMMARY[kind.name](row) for row in rows], position)


def _one(kind: ListingKind, text: str) -> tuple[dict[str, Any], int, dict[str, str]]:
    """A published listing of the kind by its public identifier, or a 404 problem."""
    parsed = parse_public_id(text)
    found = pages.get(kind.name, parsed[1]) if parsed and parsed[0] == kind.name else None
    return one_resource(found, NOT_FOUND.format(what=kind.noun), DETAIL[kind.name])


# the routes of the two kinds differ in their documented arguments and response schemas


@blp.route("/scenarios")
@blp.arguments(schemas.ScenarioArgs, location="query", unknown=RAISE)
@blp.response(200, schemas.ScenarioPage)
def scenarios(args: dict[str, Any]) -> dict[str, Any]:
    """场景机会清单：已发布且未截止的场景，最新发布在前。"""
    return _page(SCENARIO, args)


@blp.route("/scenarios/<string:public_id>")
@blp.arguments(schemas.NoArgs, location="query", unknown=RAISE)
@blp.response(200, schemas.Scenario)
def scenario(_args: dict[str, Any], public_id: str) -> tuple[dict[str, Any], int, dict[str, str]]:
    """一个已发布的场景（联系方式已脱敏，同公开页面）。"""
    return _one(SCENARIO, public_id)


@blp.route("/capabilities")
@blp.arguments(schemas.CapabilityArgs, location="query", unknown=RAISE)
@blp.response(200, schemas.CapabilityPage)
def capabilities(args: dict[str, Any]) -> dict[str, Any]:
    """能力清单：已发布的能力，最新发布在前。"""
    return _page(CAPABILITY, args)


@blp.route("/capabilities/<string:public_id>")
@blp.arguments(schemas.NoArgs, location="query", unknown=RAISE)
@blp.response(200, schemas.Capability)
def capability(_args: dict[str, Any], public_id: str) -> tuple[dict[str, Any], int, dict[str, str]]:
    """一项已发布的能力（企业联系方式已脱敏，同公开页面）。"""
    return _one(CAPABILITY, public_id)
