"""Query pieces about organisations that listings, search and the industry map share."""

from __future__ import annotations

import sqlalchemy as sa

from app.models import TaxonomyTerm
from app.models.org import organization_honours


def holding_honour(honour: str) -> sa.Select:
    """The ids of the organisations holding the honour (a taxonomy term's name)."""
    return (
        sa.select(organization_honours.c.organization_id)
        .join(TaxonomyTerm, TaxonomyTerm.id == organization_honours.c.term_id)
        .where(TaxonomyTerm.kind == "honour", TaxonomyTerm.name == honour)
    )
