"""Listing content as plain data: input dataclasses, JSON snapshots and field-by-field diffs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from app.models import Capability, Scenario
from app.models.listing import split_qualifications


@dataclass(frozen=True)
class ScenarioInput:
    """The fields an owner fills in for a scenario."""

    title: str
    domain: str
    district: str
    description: str
    needs: str
    expected: str
    tags: list[str]
    budget_wan: Decimal | None
    opening_method: str
    deadline: date | None
    contact_name: str
    contact_phone: str
    budget_max_wan: Decimal | None = None
    contact_email: str = ""

    def to_snapshot(self) -> dict[str, Any]:
        """JSON-safe content, as stored in a ListingVersion."""
        return {
            "title": self.title,
            "domain": self.domain,
            "district": self.district,
            "description": self.description,
            "needs": self.needs,
            "expected": self.expected,
            "tags": list(self.tags),
            "budget_wan": _decimal_text(self.budget_wan),
            "budget_max_wan": _decimal_text(self.budget_max_wan),
            "opening_method": self.opening_method,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "contact_name": self.contact_name,
            "contact_phone": self.contact_phone,
            "contact_email": self.contact_email,
        }

    @classmethod
    def from_snapshot(cls, snap: dict[str, Any]) -> ScenarioInput:
        """The content of a stored snapshot (missing fields take their empty value)."""
        return cls(
            title=snap.get("title", ""),
            domain=snap.get("domain", ""),
            district=snap.get("district", ""),
            description=snap.get("description", ""),
            needs=snap.get("needs", ""),
            expected=snap.get("expected", ""),
            tags=list(snap.get("tags", [])),
            budget_wan=_decimal(snap.get("budget_wan")),
            budget_max_wan=_decimal(snap.get("budget_max_wan")),
            opening_method=snap.get("opening_method", ""),
            deadline=date.fromisoformat(snap["deadline"]) if snap.get("deadline") else None,
            contact_name=snap.get("contact_name", ""),
            contact_phone=snap.get("contact_phone", ""),
            contact_email=snap.get("contact_email", ""),
        )

    @classmethod
    def of(cls, scenario: Scenario) -> ScenarioInput:
        """The content a scenario row holds now."""
        return cls(
            title=scenario.title,
            domain=scenario.domain,
            district=scenario.district,
            description=scenario.description,
            needs=scenario.needs or "",
            expected=scenario.expected or "",
            tags=scenario.tag_names,
            budget_wan=scenario.budget_wan,
            budget_max_wan=scenario.budget_max_wan,
            opening_method=scenario.opening_method,
            deadline=scenario.deadline,
            contact_name=scenario.contact_name or "",
            contact_phone=scenario.contact_phone or "",
            contact_email=scenario.contact_email or "",
        )


@dataclass(frozen=True)
class CaseInput:
    """One reference case of a capability."""

    client: str
    year: int
    result: str


@dataclass(frozen=True)
class CapabilityInput:
    """The fields an owner fills in for a capability."""

    title: str
    cap_type: str
    maturity: str
    domains: list[str]
    tags: list[str]
    description: str
    keywords: str
    qualifications: list[str]
    cases: list[CaseInput] = field(default_factory=list)

    def to_snapshot(self) -> dict[str, Any]:
        """JSON-safe content, as stored in a ListingVersion."""
        return {
            "title": self.title,
            "cap_type": self.cap_type,
            "maturity": self.maturity,
            "domains": list(self.domains),
            "tags": list(self.tags),
            "description": self.description,
            "keywords": self.keywords,
            "qualifications": list(self.qualifications),
            "cases": [{"client": c.client, "year": c.year, "result": c.result} for c in self.cases],
        }

    @classmethod
    def from_snapshot(cls, snap: dict[str, Any]) -> CapabilityInput:
        """The content of a stored snapshot (missing fields take their empty value)."""
        return cls(
            title=snap.get("title", ""),
            cap_type=snap.get("cap_type", ""),
            maturity=snap.get("maturity", ""),
            domains=list(snap.get("domains", [])),
            tags=list(snap.get("tags", [])),
            description=snap.get("description", ""),
            keywords=snap.get("keywords", ""),
            qualifications=list(snap.get("qualifications", [])),
            cases=[
                CaseInput(c["client"], int(c["year"]), c.get("result", ""))
                for c in snap.get("cases", [])
            ],
        )

    @classmethod
    def of(cls, capability: Capability) -> CapabilityInput:
        """The content a capability row holds now."""
        return cls(
            title=capability.title,
            cap_type=capability.cap_type,
            maturity=capability.maturity,
            domains=capability.domain_names,
            tags=capability.tag_names,
            description=capability.description,
            keywords=capability.keywords or "",
            qualifications=split_qualifications(capability.qualifications or ""),
            cases=[CaseInput(c.client, c.year, c.result or "") for c in capability.cases],
        )


ListingInput = ScenarioInput | CapabilityInput


def input_of(listing: Scenario | Capability) -> ListingInput:
    """A listing row's current content."""
    from app.listing_kinds import kind_of  # noqa: PLC0415 - the registry imports this module

    return kind_of(listing).input_of(listing)


def input_from(kind: str, snap: dict[str, Any]) -> ListingInput:
    """A snapshot's content for a kind ('scenario' or 'capability')."""
    from app.listing_kinds import by_name  # noqa: PLC0415 - the registry imports this module

    return by_name(kind).input_from(snap)


def _decimal(value: str | None) -> Decimal | None:
    return Decimal(value) if value not in (None, "") else None


def _decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else f"{Decimal(value):.2f}"


# ---------------------------------------------------------------- diffs

FIELD_LABELS: dict[str, dict[str, str]] = {
    "scenario": {
        "title": "场景名称",
        "domain": "应用领域",
        "district": "所在区县",
        "opening_method": "开放方式",
        "budget_wan": "预算（万元）",
        "budget_max_wan": "预算上限（万元）",
        "deadline": "申报截止日期",
        "description": "现状与痛点",
        "needs": "建设需求",
        "expected": "预期成效",
        "tags": "技术方向",
        "contact_name": "联系人",
        "contact_phone": "联系电话",
        "contact_email": "联系邮箱",
    },
    "capability": {
        "title": "能力名称",
        "cap_type": "能力类型",
        "maturity": "成熟度",
        "domains": "适用领域",
        "tags": "技术方向",
        "description": "能力介绍",
        "keywords": "关键词",
        "qualifications": "资质认证",
        "cases": "应用案例",
    },
}


@dataclass(frozen=True)
class FieldChange:
    """One field whose value differs between two versions, as people read it."""

    name: str
    label: str
    old: str
    new: str


def display(name: str, value: Any) -> str:
    """A snapshot value as text ('—' when empty)."""
    if name == "cases":
        lines = [
            f"{c['client']}（{c['year']}）{('：' + c['result']) if c.get('result') else ''}"
            for c in value or []
        ]
        return "\n".join(lines) or "—"
    if isinstance(value, list):
        return "、".join(value) or "—"
    if value in (None, ""):
        return "—"
    return str(value)


def diff(kind: str, old: dict[str, Any] | None, new: dict[str, Any]) -> list[FieldChange]:
    """Field-by-field changes from old to new, in the form's order (everything when no old)."""
    old = old or {}
    changes = []
    for name, label in FIELD_LABELS[kind].items():
        before, after = display(name, old.get(name)), display(name, new.get(name))
        if before != after:
            changes.append(FieldChange(name, label, before, after))
    return changes
