"""The public pages: the same for every visitor, so their interface is translated (app.i18n)
and an anonymous visit may be served from the page cache (app.runtime.page_cache)."""

from __future__ import annotations

PUBLIC_PAGES = frozenset(
    {
        "portal.index",
        "portal.scenarios",
        "portal.capabilities",
        "portal.scenario_detail",
        "portal.capability_detail",
        "organizations.detail",
        "batches.index",
        "batches.detail",
        "cases.index",
        "cases.detail",
        "dashboard.public",
        "industry.index",
        "site.help",
        "site.sitemap",
        "site.privacy",
        "site.terms",
    }
)
