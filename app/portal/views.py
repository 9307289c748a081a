"""Public pages; detail pages also show owners their drafts and recommendations."""

from __future__ import annotations

from flask import abort, current_app, render_template, request
from flask_login import current_user

from app import taxonomy
from app.batches import services as batches
from app.dashboard import figures
from app.extensions import db
from app.forms import EmptyForm
from app.matching import Filters
from app.models import Capability, Scenario
from app.paging import page_arg
from app.portal import bp, services
from app.recommendations import services as recommendations
from app.search import services as search
from app.search.filters import DEADLINES, SIDE_SORTS, SORTS
from app.search.filters import Filters as ListFilters
from app.security import policies
from app.security.visibility import may_view_scenario

LATEST = 6


@bp.route("/")
def index() -> str:
    """Home page: the city's figures and the newest listings."""
    return render_template(
        "portal/index.html",
        counts=services.counts(),
        FIGURES=figures.FIGURES,
        scenarios=services.latest_scenarios(LATEST),
        capabilities=services.latest_capabilities(LATEST),
        batch=batches.newest_public(),
    )


@bp.route("/scenarios")
def scenarios() -> str:
    """Published scenarios: Chinese search, filters, sort orders and pages."""
    return _list_page("scenario", "portal/scenarios.html")


@bp.route("/capabilities")
def capabilities() -> str:
    """Published capabilities: Chinese search, filters, sort orders and pages."""
    return _list_page("capability", "portal/capabilities.html")


def _list_page(side: str, template: str) -> str:
    filters = ListFilters.from_args(request.args).for_side(side)
    page = search.search(side, filters, page_arg(), current_app.config["PAGE_SIZE"])
    return render_template(
        template,
        page=page,
        filters=filters,
        side=side,
        choices=_list_choices(side),
        # a form puts a CSRF token in the session: visitors who cannot save get no cookie
        save_form=EmptyForm() if current_user.is_authenticated else None,
    )


def _list_choices(side: str) -> dict[str, object]:
    """The values each filter offers on a list page (one query)."""
    kinds = ("domain", "district", "tag", "opening_method" if side == "scenario" else "honour")
    names = taxonomy.names_by_kind(kinds)
    choices: dict[str, object] = {
        "domains": names["domain"],
        "districts": names["district"],
        "tags": names["tag"],
        "sorts": {k: SORTS[k] for k in SIDE_SORTS[side]},
    }
    if side == "scenario":
        choices["opening_methods"] = names["opening_method"]
        choices["deadlines"] = DEADLINES
    else:
        choices["honours"] = names["honour"]
    return choices


@bp.route("/scenarios/<int:scenario_id>")
def scenario_detail(scenario_id: int) -> str:
    """A scenario; its owner and administrators also see recommended capabilities."""
    scenario = db.session.get(Scenario, scenario_id)
    if scenario is None or not may_view_scenario(current_user, scenario):
        abort(404)
    show = policies.can_see_recommendations(current_user, scenario)
    filters, shown = _rec_filters()
    shown_recs, unavailable = _recommendations(scenario, filters) if show else (NONE_SHOWN, False)
    return render_template(
        "portal/scenario_detail.html",
        scenario=scenario,
        suggestions=shown_recs.suggestions,
        more_suggestions=shown_recs.more,
        insufficient_basis=shown_recs.insufficient,
        recommendations_unavailable=unavailable,
        rec_filters=shown,
        rec_choices=_rec_choices() if show else {},
        approved=recommendations.approved_for(scenario) if show else [],
        show_recommendations=show,
        is_owner=policies.is_owner(current_user, scenario),
        can_submit=policies.can_submit(current_user, scenario),
        form=EmptyForm(),
    )


@bp.route("/capabilities/<int:capability_id>")
def capability_detail(capability_id: int) -> str:
    """A capability; its firm and administrators also see recommended scenarios."""
    capability = db.session.get(Capability, capability_id)
    if capability is None or not policies.can_view(current_user, capability):
        abort(404)
    show = policies.can_see_recommendations(current_user, capability)
    filters, shown = _rec_filters()
    shown_recs, unavailable = _recommendations(capability, filters) if show else (NONE_SHOWN, False)
    return render_template(
        "portal/capability_detail.html",
        capability=capability,
        suggestions=shown_recs.suggestions,
        more_suggestions=shown_recs.more,
        insufficient_basis=shown_recs.insufficient,
        recommendations_unavailable=unavailable,
        rec_filters=shown,
        rec_choices=_rec_choices() if show else {},
        approved=recommendations.approved_for(capability) if show else [],
        show_recommendations=show,
        is_owner=policies.is_owner(current_user, capability),
        can_submit=policies.can_submit(current_user, capability),
        form=EmptyForm(),
    )


def _top() -> int:
    return int(current_app.config["MATCH_TOP_N"])


NONE_SHOWN = recommendations.Shown([], "")


def _recommendations(
    listing: Scenario | Capability, filters: Filters
) -> tuple[recommendations.Shown, bool]:
    """The engine's suggestions for a detail page (recorded as shown), and whether the
    matching service was unavailable (the page then says so and shows everything else)."""
    try:
        shown = recommendations.recommend(listing, _top(), filters=filters)
    except recommendations.MatchingUnavailable:
        return NONE_SHOWN, True
    recommendations.record_impression(current_user, listing, shown, filters)
    return shown, False


def _rec_filters() -> tuple[Filters, dict[str, object]]:
    """Filters for the recommendations section, read from the query string, and as shown."""
    domain = (request.args.get("rec_domain") or "").strip()[:30]
    district = (request.args.get("rec_district") or "").strip()[:30]
    local_only = request.args.get("rec_local") == "1"
    filters = Filters(
        domains=frozenset({domain} if domain else ()),
        districts=frozenset({district} if district else ()),
        local_only=local_only,
    )
    return filters, {"domain": domain, "district": district, "local_only": local_only}


def _rec_choices() -> dict[str, list[str]]:
    return {"domains": taxonomy.names("domain"), "districts": taxonomy.names("district")}
