"""Accessibility checks in the browser: axe-core (vendored), colour contrast, reflow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
# WCAG 2.1 A and AA (axe's tags), the level the platform promises
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}

# the WCAG contrast ratio of an element's text on the first opaque background behind it
CONTRAST_JS = """el => {
  const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = c => c.slice(0, 3).map(v => v / 255)
    .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  let node = el, bg = [255, 255, 255];
  while (node) {
    const c = rgb(getComputedStyle(node).backgroundColor);
    if (c.length === 3 || c[3] > 0) { bg = c; break; }
    node = node.parentElement;
  }
  const [hi, lo] = [lum(rgb(getComputedStyle(el).color)), lum(bg)].sort((a, b) => b - a);
  return (hi + 0.05) / (lo + 0.05);
}"""


def axe_violations(page: Page, rules: list[str] | None = None) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now; its violations (WCAG 2.1 AA, or the given rules)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # evaluated through the DevTools protocol: the page's CSP (no inline script) stays on
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    options = (
        {"runOnly": {"type": "rule", "values": rules}}
        if rules
        else {"runOnly": {"type": "tag", "values": WCAG_AA}}
    )
    return page.evaluate("options => axe.run(document, options).then(r => r.violations)", options)


def blocking(violations: list[dict[str, Any]]) -> list[str]:
    """The serious and critical violations, one readable line each."""
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:5])
        for v in violations
        if v["impact"] in BLOCKING
    ]


def contrast(element: Locator) -> float:
    """The contrast ratio of an element's text with its background (WCAG AA: at least 4.5)."""
    return float(element.evaluate(CONTRAST_JS))


def scrolls_sideways(page: Page) -> bool:
    """Whether the page is wider than the window (a phone user would scroll horizontally)."""
    return bool(page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth"))


def too_wide(page: Page) -> list[str]:
    """The outermost elements that stick out of the window on the right (to say what to fix)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')]
          .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
          .filter(el => !el.parentElement.closest('*') ||
                  el.parentElement.getBoundingClientRect().right <= window.innerWidth + 1)
          .slice(0, 5)
          .map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''))"""
    )
