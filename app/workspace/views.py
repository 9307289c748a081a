"""Owners' pages: the workspace; creating, editing, submitting, withdrawing and closing listings."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app import amounts, submissions, unit_of_work
from app import listing_kinds as kinds
from app.extensions import db
from app.forms import EmptyForm
from app.listing_kinds import ListingKind, kind_of, route_each_kind
from app.listing_kinds.versions import diff
from app.listings import services
from app.models import Capability, ListingStatus, Scenario
from app.recommendations import services as recommendations
from app.security import policies
from app.template_helpers import fmt_budget
from app.workspace import bp
from app.workspace import services as workspace
from app.workspace.forms import EndForm


def _own(kind: ListingKind, listing_id: int) -> Any:
    """The listing if it belongs to the user's organisation; 404 otherwise (no hint it exists)."""
    listing = kind.get(listing_id)
    if listing is None or not policies.is_owner(current_user, listing):
        abort(404)
    return listing


def _detail(listing: Scenario | Capability) -> Response:
    return redirect(kind_of(listing).detail_url(listing))


def _create(form: Any, create: Any, saved: str) -> Response | None:
    """Save a new draft once: a repeat of the same form is sent to the first one's page."""
    with unit_of_work.attempt(form) as outcome:
        once = submissions.claim(form.submission.data, current_user)
        listing = create(current_user, form.to_input())
        response = _detail(listing)
        submissions.done(once, response.headers["Location"])
    if isinstance(outcome.error, submissions.Repeated):
        return redirect(outcome.error.location or url_for("workspace.index"))
    if outcome.refused:
        return None
    flash(saved, "success")
    return response


@bp.route("/")
def index() -> str:
    """The organisation's status, its listings and the platform's recommendations."""
    org = current_user.organization
    # an organisation's listings of its kind: the relationship is named like the URL segment
    listings = getattr(org, kinds.posted_by(current_user.role).segment)
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
    if result.done:
        flash(f"已提交审核{len(result.done)}项：{'、'.join(result.done)}。", "success")
    for message in result.refused:
        flash(f"未提交：{message}", "danger")
    return redirect(back)


def new(kind: ListingKind) -> Response | str:
    """Write a new listing of the kind as a draft."""
    form = kind.form_class()
    if form.validate_on_submit():
        created = _create(
            form,
            lambda user, data: services.create(kind, user, data),
            f"{kind.noun}已保存为草稿。确认无误后请提交审核。",
        )
        if created is not None:
            return created
    form.ready_to_show()
    return render_template(kind.template("form"), form=form, **{kind.name: None})


def edit(kind: ListingKind, listing_id: int) -> Response | str | tuple[str, int]:
    """Edit a listing: in place while a draft, as a revision for review once published."""
    return _edit(_own(kind, listing_id))


def submit(kind: ListingKind, listing_id: int) -> Response:
    """Send a listing to review."""
    return _submit(_own(kind, listing_id))


# /my/scenarios/new, /my/scenarios/<id>/edit … as workspace.scenario_new, scenario_edit …
route_each_kind(bp, "/{segment}/new", "{name}_new", new, methods=["GET", "POST"])
route_each_kind(bp, "/{segment}/{id}/edit", "{name}_edit", edit, methods=["GET", "POST"])
route_each_kind(bp, "/{segment}/{id}/submit", "{name}_submit", submit, methods=["POST"])


def _edit(listing: Scenario | Capability) -> Response | str | tuple[str, int]:
    """The edit form; a save based on a stale copy is refused and the typed input kept."""
    kind = kind_of(listing)
    noun, form_class = kind.noun, kind.form_class
    if not (listing.is_editable or listing.status is ListingStatus.PUBLISHED):
        flash(f"“{listing.status.label}”状态的{noun}不能修改。", "warning")
        return _detail(listing)
    posted = request.method == "POST"
    form = form_class(data=None if posted else _initial(listing, form_class))
    conflict: list[Any] = []
    if form.validate_on_submit():
        typed = form.to_input()
        with unit_of_work.attempt(form, quiet=True) as outcome:
            revision = services.save(current_user, listing, typed, form.seen_version())
        if outcome.stale:
            conflict = _conflict(form, listing, typed)
        elif outcome.error is not None:
            unit_of_work.show(outcome.error, form)
        else:
            if revision:
                flash("修改已提交审核。审核通过前，公开页面仍显示原内容。", "success")
            else:
                flash(f"{noun}已保存。", "success")
            return _detail(listing)
    form.ready_to_show()
    status = 409 if conflict else 200
    return render_template(
        kind.template("form"), form=form, conflict=conflict, **{kind.name: listing}
    ), status


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


def _submit(listing: Scenario | Capability) -> Response:
    unit_of_work.button(
        lambda: services.submit(current_user, listing),
        "已提交审核，平台管理员审核通过后将公开发布。",
    )
    return _detail(listing)


@bp.route("/<kind:kind>/<int:listing_id>/withdraw", methods=["POST"])
def withdraw(kind: ListingKind, listing_id: int) -> Response:
    """The owner takes a listing back from review or publication, with a reason."""
    listing = _own(kind, listing_id)
    return _end(
        listing, lambda reason, seen: services.withdraw(current_user, listing, reason, seen), "撤回"
    )


@bp.route("/<kind:kind>/<int:listing_id>/close", methods=["POST"])
def close(kind: ListingKind, listing_id: int) -> Response:
    """The owner closes a published listing, with a reason."""
    listing = _own(kind, listing_id)
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
    with unit_of_work.attempt(stale=f"该内容已被他人修改，请刷新后重新{verb}。") as outcome:
        apply(form.reason.data, form.seen_version())
    if not outcome.refused:
        flash(f"已{verb}。", "success")
    return _detail(listing)


@bp.route("/<kind:kind>/<int:listing_id>/versions")
def versions(kind: ListingKind, listing_id: int) -> str:
    """Every version of a listing with what changed, who submitted and who decided it."""
    listing = kind.get(listing_id)
    if listing is None or not (
        policies.is_owner(current_user, listing) or policies.is_reviewer(current_user)
    ):
        abort(404)
    return render_template(
        "workspace/versions.html",
        listing=listing,
        kind=kind.segment,
        noun=kind.noun,
        detail_url=kind.detail_url(listing),
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
