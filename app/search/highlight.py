"""Marking the searched words in titles and snippets, with everything else escaped."""

from __future__ import annotations

import re
from collections.abc import Sequence

from markupsafe import Markup, escape

SNIPPET_CHARS = 90
LEAD_CHARS = 20  # context kept before the first match


def _pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    words = sorted({t for t in terms if t.strip()}, key=len, reverse=True)
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)


def highlight(text: str, terms: Sequence[str]) -> Markup:
    """The text escaped, each occurrence of a term wrapped in <mark>."""
    pattern = _pattern(terms)
    if pattern is None:
        return escape(text)
    out: list[str] = []
    last = 0
    for found in pattern.finditer(text):
        out.append(str(escape(text[last : found.start()])))
        out.append(f"<mark>{escape(found.group())}</mark>")
        last = found.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out))  # noqa: S704 - every piece above was escaped


def snippet(text: str, terms: Sequence[str], width: int = SNIPPET_CHARS) -> Markup:
    """A window of the text around the first term, highlighted; the start without a match."""
    text = " ".join(text.split())
    pattern = _pattern(terms)
    found = pattern.search(text) if pattern else None
    start = max(found.start() - LEAD_CHARS, 0) if found else 0
    piece = text[start : start + width]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(text) else ""
    return escape(prefix) + highlight(piece, terms) + escape(suffix)
