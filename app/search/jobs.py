"""Search housekeeping: folding the published counts' change rows into one row per side."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.jobs import JobContext, job
from app.models import ListingCount
from app.search.documents import SIDES


@job("search.compact_counts", label="合并发布数量记录", attempts=1)
def compact_counts(ctx: JobContext) -> dict[str, Any]:
    """Replace each side's change rows by their sum (the count stays what it was)."""
    for side in SIDES:
        compact(side)
    return {"sides": list(SIDES)}


def compact(side: str) -> None:
    """Fold one side's rows into one. Only the rows read are folded: rows that concurrent
    publications add meanwhile stay, so nothing is counted twice or lost."""
    if db.session.get_bind().dialect.name == "postgresql":
        # one statement: what it deletes is exactly what it sums
        gone = (
            sa.delete(ListingCount)
            .where(ListingCount.side == side)
            .returning(ListingCount.published)
            .cte("gone")
        )
        total = sa.select(sa.literal(side), sa.func.coalesce(sa.func.sum(gone.c.published), 0))
        db.session.execute(
            sa.insert(ListingCount).from_select(["side", "published"], total).add_cte(gone)
        )
        return
    found = db.session.execute(
        sa.select(ListingCount.id, ListingCount.published).where(ListingCount.side == side)
    ).all()
    db.session.execute(sa.delete(ListingCount).where(ListingCount.id.in_([i for i, _ in found])))
    db.session.add(ListingCount(side=side, published=sum(p for _, p in found)))
