"""The listing-kind registry: one declaration per kind, found by segment, name, model or row."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import NotFound
from werkzeug.routing import Map, Rule

from app import listing_kinds as kinds
from app.listing_kinds import CAPABILITY, KINDS, SCENARIO, KindConverter
from app.models import Capability, Role, Scenario


def test_each_kind_is_found_by_segment_name_model_and_instance() -> None:
    for kind in KINDS:
        assert kinds.by_segment(kind.segment) is kind
        assert kinds.by_name(kind.name) is kind
        assert kinds.by_model(kind.model) is kind
    assert kinds.kind_of(Scenario()) is SCENARIO
    assert kinds.kind_of(Capability()) is CAPABILITY


def test_the_declarations_say_what_the_kinds_differ_in() -> None:
    assert (SCENARIO.segment, SCENARIO.noun, SCENARIO.id_arg) == (
        "scenarios",
        "场景",
        "scenario_id",
    )
    assert (CAPABILITY.segment, CAPABILITY.noun) == ("capabilities", "能力")
    assert kinds.of_role(Role.PUBLISHER) is SCENARIO
    assert kinds.of_role(Role.FIRM) is CAPABILITY
    assert kinds.of_role(Role.REVIEWER) is None
    assert SCENARIO.counterpart is CAPABILITY
    assert CAPABILITY.counterpart is SCENARIO
    assert SCENARIO.detail_endpoint == "portal.scenario_detail"
    assert CAPABILITY.endpoint("edit") == "workspace.capability_edit"
    assert SCENARIO.template("list") == "portal/scenarios.html"


def test_a_kind_is_frozen() -> None:
    with pytest.raises(AttributeError):
        SCENARIO.noun = "项目"  # type: ignore[misc]


def test_the_converter_takes_registered_segments_only() -> None:
    urls = Map([Rule("/<kind:kind>/x", endpoint="x")], converters={"kind": KindConverter}).bind("")
    assert urls.match("/scenarios/x") == ("x", {"kind": SCENARIO})
    assert urls.match("/capabilities/x") == ("x", {"kind": CAPABILITY})
    with pytest.raises(NotFound):
        urls.match("/projects/x")
    assert urls.build("x", {"kind": CAPABILITY}) == "/capabilities/x"
    assert urls.build("x", {"kind": "scenarios"}) == "/scenarios/x"
