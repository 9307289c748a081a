"""The listing kinds, declared once: 场景 (posted by 发布单位) and 能力 (posted by 数字企业).

Everything that differs between the kinds and is not a column of their models lives in the
kind's declaration here: its model, URL segment and Chinese noun, who owns it, its field rules,
its form and spreadsheet columns, how it becomes an engine document and which pages show it.
Views, the Excel import and export, search, matching and templates ask the registry
(by_segment, by_name, by_model, kind_of) instead of deciding between the two themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any, cast

from werkzeug.routing import BaseConverter

from app.extensions import db
from app.listing_kinds import documents
from app.listing_kinds.fields import CAPABILITY_RULES, SCENARIO_RULES, FieldRule
from app.listing_kinds.versions import CapabilityInput, ScenarioInput
from app.matching import Listing
from app.models import Capability, Role, Scenario

if TYPE_CHECKING:  # security imports the registry (its access map); only the type is needed
    from app.security.policies import Visitor


@dataclass(frozen=True)
class ListingKind:
    """One kind of listing and everything the platform needs to know about it."""

    name: str  # "scenario": stored in data (versions, search rows, engine sides, imports)
    segment: str  # "scenarios": the URL segment of its pages and of the API
    noun: str  # "场景"
    model: type[Scenario] | type[Capability]
    owner_role: Role
    rules: Mapping[str, FieldRule]
    input_type: type[ScenarioInput] | type[CapabilityInput]
    # the one listing -> engine document mapping (app.listing_kinds.documents)
    document: Callable[[documents.Content, str], Listing]
    content: Callable[[Any], dict[str, Any]]
    # "module:attribute", imported on first use (the form module imports the services)
    form_path: str
    columns_path: str
    # the long texts a search result's snippet is taken from, in this order
    snippet_fields: tuple[str, ...]
    # who may open a listing's page: the public while published, its owner and reviewers always
    # (app.security.policies.can_view); a kind others engage with may say more
    view_policy_path: str = "app.security.policies:can_view"
    # the kind the matching engine pairs this one with (the other side of a Recommendation);
    # None for a kind that takes no part in matching
    counterpart_name: str | None = None

    @property
    def foreign_key(self) -> str:
        """The column naming a listing of this kind in rows about listings: scenario_id."""
        return f"{self.name}_id"

    @property
    def id_arg(self) -> str:
        """The name of the id in its per-kind routes (the foreign key's name)."""
        return self.foreign_key

    @property
    def detail_endpoint(self) -> str:
        """The public page of one listing."""
        return f"portal.{self.name}_detail"

    @property
    def list_endpoint(self) -> str:
        """The public list of published listings."""
        return f"portal.{self.segment}"

    def endpoint(self, action: str) -> str:
        """The owner's page for an action on this kind: new, edit or submit."""
        return f"workspace.{self.name}_{action}"

    def template(self, page: str) -> str:
        """The kind's template for a page: "form" (the owner's), "detail" or "list" (public)."""
        return {
            "form": f"workspace/{self.name}_form.html",
            "detail": f"portal/{self.name}_detail.html",
            "list": f"portal/{self.segment}.html",
        }[page]

    def detail_url(self, listing: Any) -> str:
        """The public page of one listing of this kind."""
        from flask import url_for  # noqa: PLC0415 - the registry itself needs no app

        return url_for(self.detail_endpoint, **{self.id_arg: listing.id})

    @property
    def form_class(self) -> Any:
        """The owners' form (app.workspace.forms)."""
        return _resolve(self.form_path)

    @property
    def columns(self) -> tuple[Any, ...]:
        """The spreadsheet columns (app.excel.columns), without the organisation column."""
        return tuple(_resolve(self.columns_path))

    def get(self, listing_id: int) -> Scenario | Capability | None:
        """The listing of this kind with the id, or None."""
        # the session's overloads join the two models to their base class
        return cast("Scenario | Capability | None", db.session.get(self.model, listing_id))

    @property
    def counterpart(self) -> ListingKind:
        """The kind recommended for listings of this one (KeyError if it is not matched)."""
        if self.counterpart_name is None:
            raise KeyError(f"{self.name} is not matched with another kind")
        return by_name(self.counterpart_name)

    def may_view(self, user: Visitor, listing: Scenario | Capability) -> bool:
        """Whether the user may open this listing's page."""
        return bool(_resolve(self.view_policy_path)(user, listing))

    def engine_document(self, listing: Any) -> Listing:
        """A stored listing as the matching engine sees it."""
        return self.document(self.content(listing), str(listing.id))

    def input_of(self, listing: Any) -> ScenarioInput | CapabilityInput:
        """A stored listing's content as the services take it."""
        return self.input_type.of(listing)

    def input_from(self, snapshot: dict[str, Any]) -> ScenarioInput | CapabilityInput:
        """A stored version's content."""
        return self.input_type.from_snapshot(snapshot)


def _resolve(path: str) -> Any:
    module, _, attribute = path.partition(":")
    return getattr(import_module(module), attribute)


SCENARIO = ListingKind(
    name="scenario",
    segment="scenarios",
    noun="场景",
    model=Scenario,
    owner_role=Role.PUBLISHER,
    rules=SCENARIO_RULES,
    input_type=ScenarioInput,
    document=documents.scenario_document,
    content=documents.scenario_content,
    form_path="app.workspace.forms:ScenarioForm",
    columns_path="app.excel.columns:SCENARIO_COLUMNS",
    snippet_fields=("description", "needs", "expected"),
    counterpart_name="capability",
    # after its deadline a firm engaged with a scenario still sees it
    view_policy_path="app.security.visibility:may_view_scenario",
)

CAPABILITY = ListingKind(
    name="capability",
    segment="capabilities",
    noun="能力",
    model=Capability,
    owner_role=Role.FIRM,
    rules=CAPABILITY_RULES,
    input_type=CapabilityInput,
    document=documents.capability_document,
    content=documents.capability_content,
    form_path="app.workspace.forms:CapabilityForm",
    columns_path="app.excel.columns:CAPABILITY_COLUMNS",
    snippet_fields=("description", "keywords"),
    counterpart_name="scenario",
)

KINDS: tuple[ListingKind, ...] = (SCENARIO, CAPABILITY)
_BY_NAME = {kind.name: kind for kind in KINDS}
_BY_SEGMENT = {kind.segment: kind for kind in KINDS}
_BY_MODEL: dict[type, ListingKind] = {kind.model: kind for kind in KINDS}


def by_name(name: str) -> ListingKind:
    """The kind called 'scenario' or 'capability' (KeyError for any other)."""
    return _BY_NAME[name]


def by_segment(segment: str) -> ListingKind:
    """The kind whose URL segment this is (KeyError for any other)."""
    return _BY_SEGMENT[segment]


def by_model(model: type) -> ListingKind:
    """The kind stored in this model."""
    return _BY_MODEL[model]


def kind_of(listing: Any) -> ListingKind:
    """The kind of a stored listing."""
    return _BY_MODEL[type(listing)]


def of_role(role: Role) -> ListingKind | None:
    """The kind an organisation of this role posts (None for roles that post none)."""
    return next((kind for kind in KINDS if kind.owner_role is role), None)


def posted_by(role: Role) -> ListingKind:
    """The kind an organisation of this role posts (KeyError for roles that post none)."""
    kind = of_role(role)
    if kind is None:
        raise KeyError(f"{role} posts no listings")
    return kind


def route_each_kind(
    blueprint: Any, rule: str, endpoint: str, view: Callable[..., Any], **options: Any
) -> None:
    """Register one view once per kind, keeping each kind's own paths and endpoint names.

    rule and endpoint are templates: {segment} is the kind's URL segment, {id} its id argument
    (`<int:scenario_id>`, so url_for(…, scenario_id=…) keeps working), {name} its name (the
    endpoint may also use {segment}). The view
    is called as view(kind) or view(kind, listing_id).
    """
    for kind in KINDS:
        path = rule.format(segment=kind.segment, id=f"<int:{kind.id_arg}>")
        name = endpoint.format(name=kind.name, segment=kind.segment)
        blueprint.add_url_rule(path, name, _for_kind(view, kind, name), **options)


def _for_kind(view: Callable[..., Any], kind: ListingKind, name: str) -> Callable[..., Any]:
    def bound(**args: Any) -> Any:
        if kind.id_arg in args:
            return view(kind, args[kind.id_arg])
        return view(kind)

    bound.__name__, bound.__doc__ = name, view.__doc__
    return bound


class KindConverter(BaseConverter):
    """`<kind:kind>` in a route: one of the registered URL segments (others 404), as its kind."""

    regex = "|".join(kind.segment for kind in KINDS)
    part_isolating = True

    def to_python(self, value: str) -> ListingKind:
        """The kind of the segment."""
        return by_segment(value)

    def to_url(self, value: ListingKind | str) -> str:
        """The segment of a kind (a segment passes through)."""
        return value.segment if isinstance(value, ListingKind) else value
