"""The owners' profile page (/my/profile) and the public organisation page (/orgs/<id>)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app import taxonomy, unit_of_work
from app.extensions import db
from app.models import Organization
from app.organizations import bp, services
from app.organizations.forms import ProfileForm
from app.security import policies


@bp.route("/orgs/<int:org_id>")
def detail(org_id: int) -> str:
    """An approved organisation's profile, honours and published listings."""
    org = db.session.get(Organization, org_id)
    if org is None or not policies.can_view_organization(current_user, org):
        abort(404)
    return render_template(
        "organizations/detail.html",
        org=org,
        scenarios=services.published_scenarios(org),
        capabilities=services.published_capabilities(org),
    )


@bp.route("/my/profile", methods=["GET", "POST"])
def profile() -> Response | str:
    """Edit the organisation's profile; a new name or USCC sends it back to review."""
    org = current_user.organization
    form = ProfileForm(data=None if _posted() else _profile_data(org), role=org.role.value)
    _fill_choices(form)
    if form.validate_on_submit():
        with unit_of_work.attempt(form) as outcome:
            resubmitted = services.update_profile(current_user, org, _profile_input(form))
        if not outcome.refused:
            if resubmitted:
                flash("单位信息已保存，已重新提交平台审核。审核通过前暂不能提交发布。", "warning")
            else:
                flash("单位信息已保存。", "success")
            return redirect(url_for("organizations.profile"))
    return render_template("organizations/profile.html", form=form, org=org)


def _posted() -> bool:
    return request.method == "POST"


def _fill_choices(form: ProfileForm) -> None:
    form.org_kind.choices = taxonomy.choices("org_kind")
    form.district.choices = taxonomy.choices("district")
    form.industry_chain.choices = [("", "（不填）"), *taxonomy.choices("industry_chain")]
    form.honours.choices = taxonomy.choices("honour")


def _profile_data(org: Organization) -> dict[str, Any]:
    return {
        "org_name": org.name,
        "uscc": org.uscc or "",
        "org_kind": org.kind,
        "district": org.district,
        "is_local": org.is_local,
        "industry_chain": org.industry_chain or "",
        "honours": org.honour_names,
        "intro": org.intro,
        "contact_name": org.contact_name,
        "contact_phone": org.contact_phone,
        "contact_email": org.contact_email,
    }


def _profile_input(form: ProfileForm) -> services.Profile:
    return services.Profile(
        name=form.org_name.data,
        uscc=form.uscc.data or None,
        kind=form.org_kind.data,
        district=form.district.data,
        is_local=form.is_local.data,
        industry_chain=form.industry_chain.data or None,
        honours=tuple(form.honours.data or ()),
        intro=form.intro.data or "",
        contact_name=form.contact_name.data,
        contact_phone=form.contact_phone.data,
        contact_email=form.contact_email.data or "",
    )
