"""The industry map page."""

from __future__ import annotations

from flask import current_app, render_template, request

from app import taxonomy
from app.extensions import db
from app.industry import bp, services
from app.paging import page_arg


@bp.route("/industry")
def index() -> str:
    """Firms by industry chain and district, filterable by chain, district, honour and locality."""
    filters = services.IndustryFilters.from_args(request.args)
    chains = taxonomy.names("industry_chain")
    districts = taxonomy.names("district")
    page = db.paginate(
        services.firm_query(filters, chains),
        page=page_arg(),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template(
        "industry/index.html",
        filters=filters,
        grid=services.cluster_grid(filters, chains, districts),
        firms=services.firm_cards(page.items),
        page=page,
        chains=chains,
        districts=districts,
        honours=taxonomy.names("honour"),
    )
