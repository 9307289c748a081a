"""Stable public identifiers of published listings (OCDS-style: the platform's prefix + the id).

An identifier is built from the listing's database id, which is never reused, so an identifier
names one listing for ever. The prefix is the platform's; the kind letter keeps the two lists
apart. Example: ``jnsc-S-42`` is scenario 42, ``jnsc-C-7`` capability 7.
"""

from __future__ import annotations

import re
from typing import Literal

PREFIX = "jnsc"
Kind = Literal["scenario", "capability"]
_LETTER: dict[str, str] = {"scenario": "S", "capability": "C"}
_KIND: dict[str, Kind] = {"S": "scenario", "C": "capability"}
_PATTERN = re.compile(rf"^{PREFIX}-([SC])-([1-9][0-9]{{0,17}})$")


def public_id(kind: Kind, listing_id: int) -> str:
    """The public identifier of a listing."""
    return f"{PREFIX}-{_LETTER[kind]}-{listing_id}"


def parse_public_id(text: str) -> tuple[Kind, int] | None:
    """The kind and id a public identifier names, or None when it is not one."""
    found = _PATTERN.match(text)
    if found is None:
        return None
    return _KIND[found.group(1)], int(found.group(2))
