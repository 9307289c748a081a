"""What a dashboard is made of: charts as small tables, the headline figures, the page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

Cell = str | int | float | None


@dataclass(frozen=True)
class Chart:
    """One figure as a table: the chart, its table fallback and its downloads share it."""

    key: str
    title: str
    kind: str  # bar | line | funnel | pie | grid | table (how dashboard.js draws it)
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""
    private: bool = False
    plot_rows: int | None = None  # only the first n rows are drawn (the rest are table-only)

    def spec(self, label: Callable[[str], str] = str) -> dict[str, Any]:
        """What dashboard.js needs to draw the chart (JSON-serialisable).

        label shows a Chinese label (title, column, text cell) in the page's language: the
        template passes app.i18n.translate; the chart itself stays Chinese.
        """
        rows = self.rows if self.plot_rows is None else self.rows[: self.plot_rows]
        return {
            "kind": self.kind,
            "title": label(self.title),
            "columns": tuple(label(c) for c in self.columns),
            "rows": tuple(tuple(label(v) if isinstance(v, str) else v for v in r) for r in rows),
        }


@dataclass(frozen=True)
class Summary:
    """The headline figures."""

    scenarios_published: int
    capabilities_published: int
    recommendations_made: int
    recommendations_approved: int
    recommendations_rejected: int
    engagements: int
    contracts_signed: int
    contract_amount_wan: float
    local_signed: int
    median_days_to_first_engagement: float | None
    # headline figures shared with the home page (app/dashboard/figures.py); defaults keep
    # snapshots stored before they existed readable
    firms: int = 0
    recommended_engagements: int = 0

    @property
    def local_share(self) -> float | None:
        """Share of signed engagements won by local firms (None before the first contract)."""
        return self.local_signed / self.contracts_signed if self.contracts_signed else None


@dataclass(frozen=True)
class Dashboard:
    """Everything one dashboard page shows."""

    summary: Summary
    charts: tuple[Chart, ...]
    admin: bool = False
    generated_at: datetime | None = field(default=None, compare=False)

    def chart(self, key: str) -> Chart | None:
        """One chart by key."""
        return next((c for c in self.charts if c.key == key), None)
