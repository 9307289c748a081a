"""Whether a listing says enough to recommend on, and whether a pair has a specific reason.

Both use the engine's specificity (app/matching/specificity.py): words common in general
Chinese or in all IT writing (系统, 平台, 数据, 生成) are never reasons. A listing with fewer
than MIN_BASIS specific words of its own gets no recommendations and is told so
(推荐依据不足：请补充具体需求或产品功能); a pair is shown only with at least one specific
shared word or synonym bridge, never on shared labels or the local preference alone.
"""

from __future__ import annotations

from typing import Any

from app.matching import Engine, Explanation
from app.matching.specificity import is_specific
from app.models import Capability, Scenario
from app.recommendations.documents import document
from app.recommendations.explain import reasons

MIN_BASIS = 2  # distinct specific words a listing needs (title and its need or product)
INSUFFICIENT = "推荐依据不足：请补充具体需求或产品功能"


def basis_words(listing: Scenario | Capability, engine: Engine) -> list[str]:
    """The listing's own specific words (its title, description body and what it wants; the
    technology tags are picked from a fixed list and say nothing specific on their own)."""
    f = engine.features(document(listing))
    words = dict.fromkeys((*f.title, *f.body, *f.need))
    return [w for w in words if is_specific(w)]


def listing_basis(listing: Scenario | Capability, engine: Engine) -> bool:
    """Whether the listing holds enough specific words to be matched on."""
    return len(basis_words(listing, engine)) >= MIN_BASIS


def has_reason(explanation: Explanation | dict[str, Any] | None) -> bool:
    """Whether a pair shares at least one specific word or a synonym bridge of specific words
    (the engine lists only those: app/matching/index.py)."""
    return reasons(explanation).specific
