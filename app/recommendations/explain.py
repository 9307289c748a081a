"""The engine's explanation of a pair, in the terms an official reads (Chinese)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from app.matching import Explanation
from app.matching.specificity import is_specific

MAX_TERMS = 5  # the most specific shared terms shown

SIGNAL_LABELS = {
    "word": "关键词相似",
    "char": "字面相似",
    "domain": "同一应用领域",
    "tag": "技术方向相同",
    "district": "同一区县",
    "topic": "主题相近",
    "bm25": "关键词覆盖",
    "coverage": "需求要点覆盖",
}


@dataclass(frozen=True)
class Part:
    """One signal's share of the score, for a small bar."""

    label: str
    value: float  # its contribution to the score, 0–1
    percent: int  # rounded to a multiple of 5, for the CSS width class


@dataclass(frozen=True)
class Reasons:
    """Everything the page shows about why two listings were paired."""

    terms: list[str]  # specific shared words only (系统, 平台, 数据 never)
    bridges: list[str]  # synonym bridges whose two words are both specific
    domains: list[str]
    tags: list[str]
    same_district: bool
    is_local: bool
    local_bonus: float
    parts: list[Part]

    @property
    def specific(self) -> bool:
        """Whether there is a reason of substance: a specific shared word or a bridge
        (shared labels and the local preference alone are not)."""
        return bool(self.terms or self.bridges)


def as_dict(explanation: Explanation | dict[str, Any] | None) -> dict[str, Any]:
    """An engine Explanation or its stored dict, as a dict."""
    if explanation is None:
        return {}
    return asdict(explanation) if isinstance(explanation, Explanation) else explanation


def reasons(
    explanation: Explanation | dict[str, Any] | None, terms: list[str] | None = None
) -> Reasons:
    """Readable reasons; pairs stored before explanations were kept show only their terms."""
    data = as_dict(explanation)
    bridges = [
        _bridge(b)
        for b in data.get("bridges", [])
        if is_specific(b["query_term"]) and is_specific(b["candidate_term"])
    ]
    tags = list(data.get("shared_tags", []))
    shared = [  # a shared technology tag is its own line, not a shared keyword
        t
        for t in (data.get("terms") or terms or [])
        if is_specific(t) and not any(t in tag for tag in tags)
    ]
    parts = [
        Part(SIGNAL_LABELS.get(name, name), value, _five(value))
        for name, value in data.get("contributions", [])
        if value > 0.0005
    ]
    return Reasons(
        terms=shared[:MAX_TERMS],
        bridges=bridges,
        domains=list(data.get("shared_domains", [])),
        tags=tags,
        same_district=bool(data.get("same_district")),
        is_local=bool(data.get("is_local")),
        local_bonus=float(data.get("local_bonus", 0.0)),
        parts=sorted(parts, key=lambda p: -p.value),
    )


def _bridge(bridge: dict[str, str]) -> str:
    """红灯放行时间 ≈ 信号配时（交通信号控制）; the concept is named only when it adds something."""
    text = f"{bridge['query_term']} ≈ {bridge['candidate_term']}"
    concept = bridge["concept"]
    return (
        text
        if concept in (bridge["query_term"], bridge["candidate_term"])
        else f"{text}（{concept}）"
    )


def _five(value: float) -> int:
    return min(100, max(0, int(round(value * 20)) * 5))
