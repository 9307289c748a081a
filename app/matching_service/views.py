"""The matching process's JSON endpoints (see the package docstring)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException, NotFound

from app.extensions import db
from app.matching import Features, Listing
from app.recommendations.client import (
    filters_from_json,
    listing_from_json,
    match_to_json,
)
from app.recommendations.documents import document
from app.recommendations.matcher import Answer, Matcher, NotReady
from app.recommendations.state import SIDES, features_of_row, load_listings

bp = Blueprint("matching_api", __name__)

MAX_TOP = 200
MAX_CANDIDATES = 1_000  # applicants of one scenario: far fewer; a bound keeps requests small


class BadRequest(ValueError):
    """A request the service refuses (400)."""


def _matcher() -> Matcher:
    return current_app.extensions["matcher"]


@bp.app_errorhandler(NotReady)
def _not_ready(error: NotReady) -> tuple[Response, int]:
    return jsonify(error=str(error), status=503), 503


@bp.app_errorhandler(BadRequest)
def _bad_request(error: BadRequest) -> tuple[Response, int]:
    return jsonify(error=str(error), status=400), 400


@bp.app_errorhandler(HTTPException)
def _http_error(error: HTTPException) -> tuple[Response, int]:
    code = error.code or 500
    return jsonify(error=error.description, status=code), code


@bp.get("/healthz")
def healthz() -> Response:
    """The process answers."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """What is served; 503 until the first state is loaded."""
    status = _matcher().status()
    return jsonify(status), 200 if status["ready"] else 503


@bp.post("/v1/recommend")
def recommend() -> Response:
    """The top N of the other side for one listing, filters applied before the cut."""
    body = _body()
    side = _side(body.get("side"))
    top = _number(body.get("top", 10), int, 1, MAX_TOP, "top")
    min_score = _number(body.get("min_score", 0.0), float, 0.0, 1.0, "min_score")
    try:
        filters = filters_from_json(body.get("filters"))
    except ValueError as error:
        raise BadRequest(str(error)) from error
    matcher = _matcher()
    matcher.served()  # 503 at once while the process is still starting
    if body.get("sync"):
        matcher.follow()  # the caller must see every change committed before it asked
    query = _query(side, body)
    return _answer(matcher.search(side, query, top, filters, min_score))


@bp.post("/v1/score")
def score() -> Response:
    """Candidates scored against one listing, best first."""
    body = _body()
    candidates = body.get("candidates")
    if not isinstance(candidates, list) or len(candidates) > MAX_CANDIDATES:
        raise BadRequest(f"candidates must be a list of at most {MAX_CANDIDATES} listings")
    try:
        query = listing_from_json(body.get("listing") or {})
        listings = [listing_from_json(c) for c in candidates]
    except ValueError as error:
        raise BadRequest(str(error)) from error
    return _answer(_matcher().score(query, listings))


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("a JSON object is expected")
    return body


def _side(value: Any) -> str:
    if value not in SIDES:
        raise BadRequest(f"side must be one of {', '.join(SIDES)}")
    return str(value)


def _number(value: Any, kind: type[int] | type[float], low: float, high: float, name: str) -> Any:
    try:
        number = kind(value)
    except (TypeError, ValueError) as error:
        raise BadRequest(f"{name} must be a number") from error
    if not low <= number <= high:
        raise BadRequest(f"{name} must be between {low} and {high}")
    return number


def _query(side: str, body: dict[str, Any]) -> Listing | Features:
    """The listing sent, else the stored listing named by side and id (its stored tokens)."""
    if body.get("listing") is not None:
        try:
            return listing_from_json(body["listing"])
        except ValueError as error:
            raise BadRequest(str(error)) from error
    listing_id = _number(body.get("id"), int, 1, 2**63 - 1, "id")
    with Session(db.engine) as session:
        row = load_listings(session, side, [listing_id]).get(listing_id)
        if row is None:
            raise NotFound(f"no {side} {listing_id}")
        return features_of_row(row.features) or document(row)


def _answer(answer: Answer) -> Response:
    return jsonify(
        engine_version=answer.engine_version,
        matches=[match_to_json(m) for m in answer.matches],
    )
