"""Owners' attachment pages, deletion, and the download route that checks access."""

from __future__ import annotations

from typing import Any, cast

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app import audit, unit_of_work
from app.attachments import bp, downloads, services
from app.attachments.forms import UploadForm
from app.extensions import db
from app.forms import EmptyForm
from app.listing_kinds import kind_of
from app.models import Attachment, Capability, Scenario
from app.security import policies


def _own(model: type[Scenario] | type[Capability], listing_id: int) -> Any:
    # SQLAlchemy's overloads join Scenario | Capability to Base
    listing = cast("Scenario | Capability | None", db.session.get(model, listing_id))
    if listing is None or not policies.is_owner(current_user, listing):
        abort(404)
    return listing


@bp.route("/my/scenarios/<int:scenario_id>/attachments", methods=["GET", "POST"])
def scenario_files(scenario_id: int) -> Response | str:
    """List and upload a scenario's attachments."""
    scenario = _own(Scenario, scenario_id)
    back = url_for("portal.scenario_detail", scenario_id=scenario.id)
    return _manage(scenario, back)


@bp.route("/my/capabilities/<int:capability_id>/attachments", methods=["GET", "POST"])
def capability_files(capability_id: int) -> Response | str:
    """List and upload a capability's attachments."""
    capability = _own(Capability, capability_id)
    back = url_for("portal.capability_detail", capability_id=capability.id)
    return _manage(capability, back)


def _manage(listing: Scenario | Capability, back: str) -> Response | str:
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        with unit_of_work.attempt(form, field="file") as outcome:
            attachment = services.add(
                current_user,
                listing,
                upload.filename or "",
                upload.stream,
                max_bytes=int(current_app.config["ATTACHMENT_MAX_BYTES"]),
            )
        if not outcome.refused:
            flash(f"已上传附件“{attachment.filename}”。", "success")
            return redirect(_self_url(listing))
    return render_template(
        "attachments/manage.html",
        listing=listing,
        items=services.attachments_of(listing),
        form=form,
        delete_form=EmptyForm(),
        can_manage=policies.can_manage_attachments(current_user, listing),
        back=back,
    )


def _self_url(listing: Scenario | Capability) -> str:
    kind = kind_of(listing)
    values: dict[str, Any] = {kind.id_arg: listing.id}
    return url_for(f"attachments.{kind.name}_files", **values)


@bp.route("/attachments/<int:attachment_id>/delete", methods=["POST"])
def delete(attachment_id: int) -> Response:
    """Delete an attachment (its owner, while the listing is editable)."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        abort(404)
    listing = services.listing_of(attachment)
    if not policies.is_owner(current_user, listing):
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with unit_of_work.attempt(category="warning") as outcome:
        services.delete(current_user, attachment)
    if not outcome.refused:
        flash("附件已删除。", "success")
    return redirect(_self_url(listing))


@bp.route("/attachments/<int:attachment_id>")
def download(attachment_id: int) -> Response:
    """Send the file as a download, to those who may see the listing's files; others 404."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        abort(404)
    if not policies.can_download_attachment(current_user, services.listing_of(attachment)):
        abort(404)
    data = services.content(attachment)
    if data is None:
        current_app.logger.error(
            "attachment %s has no stored file %s", attachment.id, attachment.stored_name
        )
        abort(404)
    audit.record(current_user, "download", attachment, attachment.filename)
    return downloads.send(
        data,
        name=attachment.filename,
        kind=attachment.kind,
        fallback_stem=f"attachment-{attachment.id}",
    )
