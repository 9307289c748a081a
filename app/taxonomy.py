"""The taxonomy (domains, tags, districts …): loaded from seed/, read by forms and filters."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import sqlalchemy as sa
from wtforms import SelectChoice

from app.errors import DomainError
from app.extensions import db
from app.models import TaxonomyTerm

KINDS = (
    "domain",
    "tag",
    "industry_chain",
    "district",
    "opening_method",
    "capability_type",
    "maturity",
    "org_kind",
    "honour",
    "qualification",
)


def load_taxonomy(path: Path) -> int:
    """Insert the terms of a taxonomy file that are missing; return how many were added."""
    data = json.loads(path.read_text(encoding="utf-8"))
    existing = {(t.kind, t.name) for t in db.session.scalars(sa.select(TaxonomyTerm))}
    added = 0
    for kind in KINDS:
        for position, name in enumerate(data.get(kind, [])):
            if (kind, name) not in existing:
                db.session.add(TaxonomyTerm(kind=kind, name=name, position=position))
                added += 1
    db.session.flush()
    return added


def names(kind: str) -> list[str]:
    """The names of one kind of term, in their curated order."""
    query = sa.select(TaxonomyTerm.name).where(TaxonomyTerm.kind == kind)
    return list(db.session.scalars(query.order_by(TaxonomyTerm.position, TaxonomyTerm.id)))


def names_by_kind(kinds: Iterable[str]) -> dict[str, list[str]]:
    """names() of several kinds from one query (a list page offers five filters)."""
    kinds = list(kinds)
    query = sa.select(TaxonomyTerm.kind, TaxonomyTerm.name).where(TaxonomyTerm.kind.in_(kinds))
    found: dict[str, list[str]] = {kind: [] for kind in kinds}
    for kind, name in db.session.execute(query.order_by(TaxonomyTerm.position, TaxonomyTerm.id)):
        found[kind].append(name)
    return found


def choices(kind: str) -> list[SelectChoice]:
    """The terms of a kind as choices of a form field."""
    return [SelectChoice(name) for name in names(kind)]


def lookup(kind: str) -> dict[str, TaxonomyTerm]:
    """Every term of a kind by name (one query, for bulk loading)."""
    query = sa.select(TaxonomyTerm).where(TaxonomyTerm.kind == kind)
    return {t.name: t for t in db.session.scalars(query)}


def terms(kind: str, wanted: Iterable[str]) -> list[TaxonomyTerm]:
    """The terms of a kind with the given names, in taxonomy order; unknown names are refused."""
    wanted = list(dict.fromkeys(wanted))
    query = sa.select(TaxonomyTerm).where(TaxonomyTerm.kind == kind, TaxonomyTerm.name.in_(wanted))
    found = list(db.session.scalars(query.order_by(TaxonomyTerm.position)))
    missing = set(wanted) - {t.name for t in found}
    if missing:
        raise DomainError(f"未知的分类值：{'、'.join(sorted(missing))}")
    return found
