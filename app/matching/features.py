"""What the engine keeps of a listing: tokens per field and labels, computed once and storable."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.matching.text import Tokenizer, normalise
from app.matching.types import Listing

FEATURES_VERSION = 1  # bump when tokenisation changes so stored features are recomputed
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True, slots=True)
class Features:
    """Tokens of each field, character bigrams and the structured labels of one listing."""

    title: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    chars: tuple[str, ...] = ()
    tag_labels: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    district: str = ""
    is_local: bool | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict, for storing with the listing."""
        return {
            "v": FEATURES_VERSION,
            "title": list(self.title),
            "tags": list(self.tags),
            "body": list(self.body),
            "chars": list(self.chars),
            "tag_labels": list(self.tag_labels),
            "domains": list(self.domains),
            "district": self.district,
            "is_local": self.is_local,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Features:
        """Rebuild from to_json() output; a stale version raises ValueError."""
        if data.get("v") != FEATURES_VERSION:
            raise ValueError(
                f"stored features are version {data.get('v')}, need {FEATURES_VERSION}"
            )
        return cls(
            title=tuple(data["title"]),
            tags=tuple(data["tags"]),
            body=tuple(data["body"]),
            chars=tuple(data["chars"]),
            tag_labels=tuple(data["tag_labels"]),
            domains=tuple(data["domains"]),
            district=data["district"],
            is_local=data["is_local"],
        )


def char_bigrams(tokens: Sequence[str]) -> list[str]:
    """CJK character bigrams inside words and across runs of single characters.

    A word the dictionary lacks falls apart into single characters (HMM is off); joining
    such runs recovers its bigrams, while known words keep their own boundaries.
    """
    grams: list[str] = []
    run = ""
    for token in (*tokens, ""):
        if len(token) == 1 and _CJK.match(token):
            run += token
            continue
        for piece in (run, token):
            grams.extend(piece[i : i + 2] for i in range(len(piece) - 1) if _is_cjk_pair(piece, i))
        run = ""
    return grams


def _is_cjk_pair(text: str, i: int) -> bool:
    return bool(_CJK.match(text[i]) and _CJK.match(text[i + 1]))


class Featurizer:
    """Turns listings into Features with one tokenizer (the costly step: jieba)."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        """Use the given tokenizer."""
        self.tokenizer = tokenizer

    def features(self, listing: Listing) -> Features:
        """Tokenise every field of a listing."""
        tokens = self.tokenizer.tokens
        title = tokens(listing.title)
        tags = [t for tag in listing.tags for t in tokens(tag)]
        body = tokens(listing.description)
        return Features(
            title=tuple(title),
            tags=tuple(tags),
            body=tuple(body),
            chars=tuple(char_bigrams(title) + char_bigrams(body)),
            tag_labels=tuple(
                dict.fromkeys(normalise(t).strip() for t in listing.tags if t.strip())
            ),
            domains=tuple(listing.domains),
            district=listing.district,
            is_local=listing.is_local,
        )
