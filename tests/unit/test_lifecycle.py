"""The listing lifecycle: every transition, who may take it, and diffs between versions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.errors import DomainError
from app.listing_kinds.versions import CapabilityInput, CaseInput, ScenarioInput, diff
from app.listings.lifecycle import ADMIN, OWNER, SYSTEM, TRANSITIONS, allows, next_status
from app.models import ListingStatus as S


@pytest.mark.parametrize(
    ("current", "action", "actor", "expected"),
    [
        (S.DRAFT, "submit", OWNER, S.PENDING),
        (S.REJECTED, "submit", OWNER, S.PENDING),
        (S.WITHDRAWN, "submit", OWNER, S.PENDING),
        (S.PENDING, "approve", ADMIN, S.PUBLISHED),
        (S.PENDING, "reject", ADMIN, S.REJECTED),
        (S.PENDING, "withdraw", OWNER, S.WITHDRAWN),
        (S.PUBLISHED, "withdraw", OWNER, S.WITHDRAWN),
        (S.PUBLISHED, "revise", OWNER, S.PUBLISHED),
        (S.PUBLISHED, "close", OWNER, S.CLOSED),
        (S.PUBLISHED, "close", ADMIN, S.CLOSED),
        (S.PUBLISHED, "expire", SYSTEM, S.EXPIRED),
    ],
)
def test_allowed_transitions(current: S, action: str, actor: str, expected: S) -> None:
    assert next_status(current, action, actor) is expected
    assert allows(current, action, actor)


@pytest.mark.parametrize(
    ("action", "actor"),
    [
        ("approve", OWNER),
        ("reject", OWNER),
        ("submit", ADMIN),
        ("withdraw", ADMIN),
        ("expire", OWNER),
        ("expire", ADMIN),
        ("close", SYSTEM),
    ],
)
def test_the_wrong_actor_is_refused(action: str, actor: str) -> None:
    current = next(state for (state, act) in TRANSITIONS if act == action)
    with pytest.raises(DomainError, match="您不能"):
        next_status(current, action, actor)
    assert not allows(current, action, actor)


def test_closed_expired_and_published_listings_are_not_resubmitted() -> None:
    for status in (S.CLOSED, S.EXPIRED, S.PUBLISHED, S.PENDING):
        with pytest.raises(DomainError, match=f"当前状态为“{status.label}”，不能提交审核"):
            next_status(status, "submit", OWNER)
    with pytest.raises(DomainError, match="当前状态为“已过期”，不能关闭"):
        next_status(S.EXPIRED, "close", OWNER)


def scenario(**changes: object) -> ScenarioInput:
    values: dict[str, object] = {
        "title": "城市桥梁安全运行监测",
        "domain": "城市治理",
        "district": "历下区",
        "description": "人工巡检难以及时发现结构异常。",
        "needs": "",
        "expected": "",
        "tags": ["物联网"],
        "budget_wan": Decimal("300"),
        "opening_method": "揭榜挂帅",
        "deadline": None,
        "contact_name": "李科长",
        "contact_phone": "0531-66608001",
    }
    values.update(changes)
    return ScenarioInput(**values)  # type: ignore[arg-type]


def test_a_diff_names_only_the_changed_fields_in_form_order() -> None:
    old = scenario().to_snapshot()
    new = scenario(
        title="城市桥梁监测（二期）", tags=["物联网", "数字孪生"], budget_max_wan=Decimal("500")
    ).to_snapshot()
    changes = diff("scenario", old, new)
    assert [(c.label, c.old, c.new) for c in changes] == [
        ("场景名称", "城市桥梁安全运行监测", "城市桥梁监测（二期）"),
        ("预算上限（万元）", "—", "500.00"),
        ("技术方向", "物联网", "物联网、数字孪生"),
    ]
    assert diff("scenario", old, old) == []


def test_snapshots_round_trip() -> None:
    data = scenario(budget_max_wan=Decimal("450.5"))
    assert ScenarioInput.from_snapshot(data.to_snapshot()) == data
    capability = CapabilityInput(
        title="桥梁监测系统",
        cap_type="产品",
        maturity="规模应用",
        domains=["城市治理"],
        tags=["物联网"],
        description="实时监测。",
        keywords="桥梁",
        qualifications=["CMMI"],
        cases=[CaseInput("某局", 2024, "覆盖32座桥"), CaseInput("某区", 2023, "")],
    )
    assert CapabilityInput.from_snapshot(capability.to_snapshot()) == capability
    changed = CapabilityInput.from_snapshot(
        {**capability.to_snapshot(), "cases": capability.to_snapshot()["cases"][:1]}
    )
    (case_change,) = diff("capability", capability.to_snapshot(), changed.to_snapshot())
    assert case_change.label == "应用案例"
    assert case_change.old == "某局（2024）：覆盖32座桥\n某区（2023）"
