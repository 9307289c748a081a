"""Public pages; detail pages also show owners their drafts and recommendations."""

from __future__ import annotations

from flask import abort, current_app, render_template, request
from flask_login import current_user

from app import listing_kinds as kinds
from app import taxonomy
from app.batches import services as batches
from app.dashboard import figures
from app.forms import EmptyForm
from app.listing_kinds import ListingKind, route_each_kind
from app.matching import Filters
from app.models import Capability, Role, Scenario
from app.paging import page_arg
from app.portal import bp, services
from app.recommendations import services as recommendations
from app.search import services as search
from app.search.filters import DEADLINES, SIDE_SORTS, SORTS
from app.search.filters import Filters as ListFilters
from app.security import policies

LATEST = 6


@bp.app_template_global()
def listing_kind(of: object) -> ListingKind:
    """The kind of a listing, of a kind's name ('scenario') or of the role that posts it."""
    if isinstance(of, Role):  # before str: a Role is a StrEnum
        found = kinds.of_role(of)
        if found is None:
            raise KeyError(of)
        return found
    if isinstance(of, str):
        return kinds.by_name(of)
    return kinds.kind_of(of)


bp.add_app_template_global(kinds.KINDS, "listing_kinds")  # type: ignore[arg-type]  # a value: Jinja globals may be any object


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


def list_page(kind: ListingKind) -> str:
    """Published listings of a kind: Chinese search, filters, sort orders and pages."""
    return _list_page(kind.name, kind.template("list"))


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


def detail(kind: ListingKind, listing_id: int) -> str:
    """A listing; its owner and administrators also see the recommended other side."""
    listing = kind.get(listing_id)
    if listing is None or not kind.may_view(current_user, listing):
        abort(404)
    show = policies.can_see_recommendations(current_user, listing)
    filters, shown = _rec_filters()
    shown_recs, unavailable = _recommendations(listing, filters) if show else (NONE_SHOWN, False)
    return render_template(
        kind.template("detail"),
        suggestions=shown_recs.suggestions,
        more_suggestions=shown_recs.more,
        insufficient_basis=shown_recs.insufficient,
        recommendations_unavailable=unavailable,
        rec_filters=shown,
        rec_choices=_rec_choices() if show else {},
        approved=recommendations.approved_for(listing) if show else [],
        show_recommendations=show,
        is_owner=policies.is_owner(current_user, listing),
        can_submit=policies.can_submit(current_user, listing),
        form=EmptyForm(),
        **{kind.name: listing},
    )


# /scenarios and /scenarios/<id> as portal.scenarios and portal.scenario_detail, and so on
route_each_kind(bp, "/{segment}", "{segment}", list_page)
route_each_kind(bp, "/{segment}/{id}", "{name}_detail", detail)


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
