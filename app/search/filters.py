"""What a visitor searches for on a list page: parsed, bounded, and written back canonically."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl, urlencode

MAX_QUERY = 50
MAX_TERM = 30
MAX_BUDGET = Decimal("1000000")  # 100亿元 in 万元

SORTS = {"relevance": "相关度", "newest": "最新发布", "deadline": "截止日期", "budget": "预算"}
DEADLINES = {"open": "未截止", "7": "7天内截止", "30": "30天内截止", "90": "90天内截止"}
SIDE_SORTS = {
    "scenario": ("relevance", "newest", "deadline", "budget"),
    "capability": ("relevance", "newest"),
}
# the query-string names of the filters, in the order they are written back
ARG_NAMES = (
    "q",
    "domain",
    "district",
    "tag",
    "opening_method",
    "budget_min",
    "budget_max",
    "deadline",
    "local",
    "honour",
    "sort",
)


def _text(args: Mapping[str, str], name: str, limit: int = MAX_TERM) -> str:
    return (args.get(name) or "").strip()[:limit]


def _amount(args: Mapping[str, str], name: str) -> Decimal | None:
    """A budget bound in 万元; anything unreadable or out of range is ignored."""
    raw = _text(args, name, 20)
    try:
        value = Decimal(raw) if raw else None
    except InvalidOperation:
        return None
    if value is None or not value.is_finite() or value < 0 or value > MAX_BUDGET:
        return None
    return value.quantize(Decimal(1)) if value == value.to_integral() else value


@dataclass(frozen=True)
class Filters:
    """The search box, the filters and the sort order of one list page."""

    q: str = ""
    domain: str = ""
    district: str = ""
    tag: str = ""
    opening_method: str = ""
    budget_min: Decimal | None = None
    budget_max: Decimal | None = None
    deadline: str = ""  # "", "open" (未截止) or a number of days
    local: bool = False
    honour: str = ""
    sort: str = ""  # empty: relevance with a query, newest without

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        """Read and bound the query string; unknown values simply match nothing."""
        sort = _text(args, "sort")
        deadline = _text(args, "deadline")
        return cls(
            q=_text(args, "q", MAX_QUERY),
            domain=_text(args, "domain"),
            district=_text(args, "district"),
            tag=_text(args, "tag"),
            opening_method=_text(args, "opening_method"),
            budget_min=_amount(args, "budget_min"),
            budget_max=_amount(args, "budget_max"),
            deadline=deadline if deadline in DEADLINES else "",
            local=args.get("local") == "1",
            honour=_text(args, "honour"),
            sort=sort if sort in SORTS else "",
        )

    @classmethod
    def from_query(cls, query: str) -> Filters:
        """Filters from a stored query string (saved searches)."""
        return cls.from_args(dict(parse_qsl(query)))

    def for_side(self, side: str) -> Filters:
        """Drop what does not apply to one list (a deadline on capabilities, say)."""
        if side == "scenario":
            return replace(self, local=False, honour="")
        sort = self.sort if self.sort in SIDE_SORTS[side] else ""
        return replace(
            self,
            opening_method="",
            budget_min=None,
            budget_max=None,
            deadline="",
            sort=sort,
        )

    def args(self) -> dict[str, str]:
        """The non-empty filters as query-string arguments, in a fixed order."""
        out: dict[str, str] = {}
        for name in ARG_NAMES:
            value = getattr(self, name)
            if value is None or value == "" or value is False:
                continue
            out[name] = "1" if value is True else str(value)
        return out

    def to_query(self) -> str:
        """A canonical query string: the same search always gives the same text."""
        return urlencode(self.args())

    @property
    def is_empty(self) -> bool:
        """No search term and no filter (the sort order alone does not count)."""
        return not any(v for k, v in self.args().items() if k != "sort")

    @property
    def effective_sort(self) -> str:
        """The order used: relevance only makes sense with search words."""
        if self.sort == "relevance" and not self.q:
            return "newest"
        return self.sort or ("relevance" if self.q else "newest")


FIELD_NAMES = tuple(f.name for f in fields(Filters))
