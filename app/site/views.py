"""Site information pages: public, the same for everyone (cached by the page cache)."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template
from flask_login import current_user

from app.site import bp, footer, navigation


@bp.app_context_processor
def _site() -> dict[str, Any]:
    """The header's links and the footer's settings, for base.html."""
    return {
        "site_footer": footer.from_config(current_app.config),
        "site_info_links": navigation.SITE_INFO,
        "header_links": lambda: navigation.header_links(current_user),
    }


@bp.route("/sitemap")
def sitemap() -> str:
    """网站地图: every public page, by section."""
    return render_template("site/sitemap.html", sections=navigation.sitemap(current_app))


@bp.route("/help", endpoint="help")
def help_centre() -> str:
    """帮助中心: a short guide per role and the FAQ."""
    return render_template("site/help.html")


@bp.route("/privacy")
def privacy() -> str:
    """隐私声明: what personal data is kept, why, for how long, who sees it."""
    return render_template("site/privacy.html")


@bp.route("/terms")
def terms() -> str:
    """使用条款."""
    return render_template("site/terms.html")
