"""The public dashboard and the industry map in a real browser, with the demo data.

Checks that every chart is drawn by the vendored ECharts (a canvas per chart, no script
errors, no blocked resources), that the table fallbacks carry the same figures, and writes
the README's screenshots.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import ConsoleMessage, Page, Response, expect

from app.config import ROOT

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / "docs" / "screenshots"


def watch_errors(page: Page) -> list[str]:
    """Collect script errors, console errors (CSP violations) and failed requests."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "Failed to load resource" not in message.text:
            errors.append(message.text)

    def on_response(response: Response) -> None:
        # browsers ask for /favicon.ico on their own; the site has none
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            errors.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    return errors


def test_the_public_dashboard_draws_every_chart(page: Page) -> None:
    errors = watch_errors(page)
    page.goto("/dashboard")
    expect(page.get_by_role("heading", name="济南数字化应用场景数据看板")).to_be_visible()
    canvases = page.locator(".chart-canvas")
    count = canvases.count()
    assert count >= 7
    for i in range(count):
        expect(canvases.nth(i).locator("canvas")).to_have_count(1)
    # the demo engagements fill the figures, and the table fallback agrees with the headline
    engagements = int(page.get_by_test_id("fig-engagements").inner_text())
    assert engagements >= 30
    funnel = page.get_by_test_id("chart-funnel")
    first_row = funnel.locator("tbody tr").first
    expect(first_row.locator("th")).to_have_text("意向")
    expect(first_row.locator("td").first).to_have_text(str(engagements))
    expect(page.get_by_test_id("chart-technologies").locator("tbody tr")).to_have_count(18)
    # a drawn chart folds its table away; the data stays one click from the reader
    expect(funnel.locator("details.chart-table")).not_to_have_attribute("open", "")
    funnel.get_by_text("数据表").click()
    expect(first_row).to_be_visible()
    funnel.get_by_text("数据表").click()
    assert errors == []
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)


def test_a_chart_downloads_as_a_spreadsheet(page: Page) -> None:
    page.goto("/dashboard")
    with page.expect_download() as info:
        page.get_by_test_id("xlsx-funnel").click()
    assert info.value.suggested_filename == "dashboard-funnel.xlsx"


def test_the_industry_map_filters_firms(page: Page) -> None:
    errors = watch_errors(page)
    page.goto("/industry")
    expect(page.get_by_role("heading", name="产业集群图谱")).to_be_visible()
    total = int(page.get_by_test_id("firm-total").inner_text().strip("共 家"))
    assert total >= 40
    page.get_by_label("是否本地企业").select_option("0")
    page.get_by_role("button", name="筛选").click()
    local_total = int(page.get_by_test_id("firm-total").inner_text().strip("共 家"))
    assert 0 < local_total < total
    expect(page.get_by_test_id("firm-card").first).to_contain_text("外地企业")
    page.goto("/industry")
    assert errors == []
    page.screenshot(path=str(SCREENSHOTS / "industry.png"), full_page=False)
