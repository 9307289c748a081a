"""Owners' pages: the workspace; creating, editing, submitting, withdrawing and closing listings."""

from __future__ import annotations

from typing import Any, cast

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response

from app import amounts, submissions
from app.errors import DomainError
from app.extensions import db
from app.forms import EmptyForm
from app.listings import services
from app.listings.services import StaleListingError
from app.listings.versions import diff
from app.models import Capability, ListingStatus, Role, Scenario
from app.recommendations import services as recommendations
from app.security import policies
from app.template_helpers import fmt_budget
from app.workspace import bp
from app.workspace import services as workspace
from app.workspace.forms import CapabilityForm, EndForm, ScenarioForm

MODELS: dict[str, type[Scenario] | type[Capability]] = {
    "scenarios": Scenario,
    "capabilities": Capability,
}
DETAIL = {"scenarios": "portal.scenario_detail", "capabilities": "portal.capability_detail"}
ID_ARG = {"scenarios": "scenario_id", "capabilities": "capability_id"}
NOUN = {"scenarios": "场景", "capabilities": "能力"}


def _own(model: type[Scenario] | type[Capability], listing_id: int) -> Any:
    """The listing if it belongs to the user's organisation; 404 otherwise (no hint it exists)."""
    # SQLAlchemy's overloads join Scenario | Capability to Base
    listing = cast("Scenario | Capability | None", db.session.get(model, listing_id))
    if listing is None or not policies.is_owner(current_user, listing):
        abort(404)
    return listing


def _detail(listing: Scenario | Capability) -> Response:
    if isinstance(listing, Scenario):
        return redirect(url_for("portal.scenario_detail", scenario_id=listing.id))
    return redirect(url_for("portal.capability_detail", capability_id=listing.id))


def _create(form: Any, create: Any, saved: str) -> Response | None:
    """Save a new draft once: a repeat of the same form is sent to the first one's page."""
    try:
        once = submissions.claim(form.submission.data, current_user)
        listing = create(current_user, form.to_input())
    except submissions.Repeated as repeat:
        db.session.rollback()
        flash(repeat.message, "warning")
        return redirect(repeat.location or url_for("workspace.index"))
    except DomainError as error:
        db.session.rollback()
        _form_error(form, error)
        return None
    response = _detail(listing)
    submissions.done(once, response.headers["Location"])
    db.session.commit()
    flash(saved, "success")
    return response


@bp.route("/")
def index() -> str:
    """The organisation's status, its listings and the platform's recommendations."""
    org = current_user.organization
    listings = org.scenarios if current_user.role is Role.PUBLISHER else org.capabilities
    return render_template(
        "workspace/index.html",
        org=org,
        listings=sorted(listings, key=lambda item: item.id, reverse=True),
        revising=services.with_pending_revision(list(listings)),
        platform=recommendations.platform_recommendations(org),
        submit_form=EmptyForm(),
        todo=workspace.todo(current_user),
        submittable=workspace.SUBMITTABLE,
    )


@bp.route("/submit", methods=["POST"])
def bulk_submit() -> Response:
    """Submit every ticked draft for review; each is checked, refusals are listed one by one."""
    back = url_for("workspace.index") + "#drafts"
    if not EmptyForm().validate_on_submit():
        return redirect(back)
    keys = request.form.getlist("items")
    if not keys:
        flash("请先勾选要提交审核的草稿。", "warning")
        return redirect(back)
    result = workspace.bulk_submit(current_user, keys)
    db.session.commit()
    if result.done:
        flash(f"已提交审核{len(result.done)}项：{'、'.join(result.done)}。", "success")
    for message in result.refused:
        flash(f"未提交：{message}", "danger")
    return redirect(back)


@bp.route("/scenarios/new", methods=["GET", "POST"])
def scenario_new() -> Response | str:
    """Write a new scenario as a draft."""
    form = ScenarioForm()
    if form.validate_on_submit():
        created = _create(
            form, services.create_scenario, "场景已保存为草稿。确认无误后请提交审核。"
        )
        if created is not None:
            return created
    return render_template("workspace/scenario_form.html", form=form, scenario=None)


@bp.route("/scenarios/<int:scenario_id>/edit", methods=["GET", "POST"])
def scenario_edit(scenario_id: int) -> ResponseReturnValue:
    """Edit a scenario: in place while a draft, as a revision for review once published."""
    return _edit(_own(Scenario, scenario_id), ScenarioForm, "workspace/scenario_form.html")


@bp.route("/scenarios/<int:scenario_id>/submit", methods=["POST"])
def scenario_submit(scenario_id: int) -> Response:
    """Send a scenario to review."""
    return _submit(_own(Scenario, scenario_id))


@bp.route("/capabilities/new", methods=["GET", "POST"])
def capability_new() -> Response | str:
    """Write a new capability as a draft."""
    form = CapabilityForm()
    if form.validate_on_submit():
        created = _create(
            form, services.create_capability, "能力已保存为草稿。确认无误后请提交审核。"
        )
        if created is not None:
            return created
    _blank_case_row(form)
    return render_template("workspace/capability_form.html", form=form, capability=None)


@bp.route("/capabilities/<int:capability_id>/edit", methods=["GET", "POST"])
def capability_edit(capability_id: int) -> ResponseReturnValue:
    """Edit a capability: in place while a draft, as a revision for review once published."""
    return _edit(_own(Capability, capability_id), CapabilityForm, "workspace/capability_form.html")


@bp.route("/capabilities/<int:capability_id>/submit", methods=["POST"])
def capability_submit(capability_id: int) -> Response:
    """Send a capability to review."""
    return _submit(_own(Capability, capability_id))


def _edit(listing: Scenario | Capability, form_class: Any, template: str) -> ResponseReturnValue:
    """The edit form; a save based on a stale copy is refused and the typed input kept."""
    noun = "场景" if isinstance(listing, Scenario) else "能力"
    if not (listing.is_editable or listing.status is ListingStatus.PUBLISHED):
        flash(f"“{listing.status.label}”状态的{noun}不能修改。", "warning")
        return _detail(listing)
    posted = request.method == "POST"
    form = form_class(data=None if posted else _initial(listing, form_class))
    conflict: list[Any] = []
    if form.validate_on_submit():
        typed = form.to_input()
        try:
            revision = services.save(current_user, listing, typed, form.seen_version())
            db.session.commit()
        except (StaleListingError, StaleDataError):
            db.session.rollback()
            conflict = _conflict(form, listing, typed)
        except DomainError as error:
            db.session.rollback()
            _form_error(form, error)
        else:
            if revision:
                flash("修改已提交审核。审核通过前，公开页面仍显示原内容。", "success")
            else:
                flash(f"{noun}已保存。", "success")
            return _detail(listing)
    if isinstance(form, CapabilityForm):
        _blank_case_row(form)
    context = {"scenario" if isinstance(listing, Scenario) else "capability": listing}
    status = 409 if conflict else 200
    return render_template(template, form=form, conflict=conflict, **context), status


def _initial(listing: Scenario | Capability, form_class: Any) -> dict[str, Any]:
    data = form_class.data_of(services.draft_of(listing))
    data["lock_version"] = str(listing.lock_version)
    return data


def _conflict(form: Any, listing: Scenario | Capability, typed: Any) -> list[Any]:
    """Tell the user what changed meanwhile; their input stays, now based on the new version."""
    db.session.refresh(listing)
    current = services.draft_of(listing)
    form.lock_version.data = str(listing.lock_version)
    flash("该内容已被他人修改，您的修改尚未保存。请核对下方的差异后再次保存。", "danger")
    kind = services.kind_of(listing)
    return diff(kind, current.to_snapshot(), typed.to_snapshot())


def _form_error(form: Any, error: DomainError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "danger")


def _blank_case_row(form: CapabilityForm) -> None:
    """One empty case row to type into when JavaScript (which adds rows) is off."""
    if len(form.cases) < form.cases.max_entries and not form.cases[-1].form.is_blank():
        form.cases.append_entry()


def _submit(listing: Scenario | Capability) -> Response:
    if EmptyForm().validate_on_submit():
        try:
            services.submit(current_user, listing)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash("已提交审核，平台管理员审核通过后将公开发布。", "success")
    return _detail(listing)


@bp.route("/<any(scenarios, capabilities):kind>/<int:listing_id>/withdraw", methods=["POST"])
def withdraw(kind: str, listing_id: int) -> Response:
    """The owner takes a listing back from review or publication, with a reason."""
    listing = _own(MODELS[kind], listing_id)
    return _end(
        listing, lambda reason, seen: services.withdraw(current_user, listing, reason, seen), "撤回"
    )


@bp.route("/<any(scenarios, capabilities):kind>/<int:listing_id>/close", methods=["POST"])
def close(kind: str, listing_id: int) -> Response:
    """The owner closes a published listing, with a reason."""
    listing = _own(MODELS[kind], listing_id)
    return _end(
        listing, lambda reason, seen: services.close(current_user, listing, reason, seen), "关闭"
    )


def _end(listing: Scenario | Capability, apply: Any, verb: str) -> Response:
    form = EndForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(f"{verb}失败：{message}", "danger")
        return _detail(listing)
    try:
        apply(form.reason.data, form.seen_version())
        db.session.commit()
    except (StaleListingError, StaleDataError):
        db.session.rollback()
        flash(f"该内容已被他人修改，请刷新后重新{verb}。", "danger")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        flash(f"已{verb}。", "success")
    return _detail(listing)


@bp.route("/<any(scenarios, capabilities):kind>/<int:listing_id>/versions")
def versions(kind: str, listing_id: int) -> str:
    """Every version of a listing with what changed, who submitted and who decided it."""
    listing = cast("Scenario | Capability | None", db.session.get(MODELS[kind], listing_id))
    if listing is None or not (
        policies.is_owner(current_user, listing) or policies.is_reviewer(current_user)
    ):
        abort(404)
    id_arg: dict[str, Any] = {ID_ARG[kind]: listing.id}
    return render_template(
        "workspace/versions.html",
        listing=listing,
        kind=kind,
        noun=NOUN[kind],
        detail_url=url_for(DETAIL[kind], **id_arg),
        history=_history(listing),
    )


def _history(listing: Scenario | Capability) -> list[tuple[Any, list[Any]]]:
    """Each version, newest first, with its changes against the version before it."""
    rows = services.versions_of(listing)
    kind = services.kind_of(listing)
    history = []
    for i, version in enumerate(rows):
        older = rows[i + 1].snapshot if i + 1 < len(rows) else None
        history.append((version, diff(kind, older, version.snapshot)))
    return history


@bp.app_template_global()
def pending_revision(listing: Scenario | Capability) -> Any:
    """The listing's version waiting for review, for the owner panel."""
    return services.pending_version(listing)


@bp.app_template_filter("fmt_budget_range")
def fmt_budget_range(scenario: Scenario) -> str:
    """A scenario's budget: an amount, a range (下限–上限 万元) or 面议."""
    if scenario.budget_max_wan is None or scenario.budget_wan is None:
        return fmt_budget(scenario.budget_wan)
    return f"{amounts.plain(scenario.budget_wan)}–{fmt_budget(scenario.budget_max_wan)}"
