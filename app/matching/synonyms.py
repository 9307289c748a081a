"""The synonym and alias table: groups of words that name one concept (query expansion)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from app.matching.text import SEED_DIR, normalise

logger = logging.getLogger(__name__)

DEFAULT_SYNONYMS_DIR = SEED_DIR
SYNONYM_FILES = "synonyms*.txt"  # every matching file of the folder, in name order
SEPARATOR = "~"
CONCEPT_PREFIX = "≈"  # marks a concept token so it never collides with a word


@dataclass(frozen=True)
class Synonyms:
    """Maps each member word to its concept label (the group's first member)."""

    concept_of: dict[str, str] = field(default_factory=dict)

    def members(self) -> Iterator[str]:
        """Every word of the table (each goes into the tokenizer's dictionary)."""
        return iter(self.concept_of)

    def concept_token(self, word: str) -> str | None:
        """The concept token a word expands to, or None."""
        label = self.concept_of.get(word)
        return None if label is None else CONCEPT_PREFIX + label

    def __len__(self) -> int:
        """The number of member words."""
        return len(self.concept_of)


def parse_groups(
    lines: Iterable[str], source: str = "<synonyms>", known: dict[str, str] | None = None
) -> Synonyms:
    """Read `a ~ b ~ c` groups; a malformed line is skipped with a warning naming it.

    `known` holds members taken elsewhere; a group reusing one is skipped too.
    """
    concept_of: dict[str, str] = {}
    taken = known if known is not None else {}
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        members = [normalise(m).strip() for m in line.split(SEPARATOR)]
        problem = _group_problem(members, {**taken, **concept_of})
        if problem:
            logger.warning("%s:%d: skipped synonym line: %s", source, number, problem)
            continue
        for member in members:
            concept_of[member] = members[0]
    return Synonyms(concept_of)


def _group_problem(members: list[str], known: dict[str, str]) -> str | None:
    if len(members) < 2:
        return "a group needs at least two members separated by ~"
    if any(not m or any(ch.isspace() for ch in m) for m in members):
        return "members must be non-empty words without spaces"
    if len(set(members)) != len(members):
        return "a member is repeated"
    taken = [m for m in members if m in known]
    if taken:
        return f"already in another group: {', '.join(taken)}"
    return None


def load_synonyms(
    folder: Path | None = DEFAULT_SYNONYMS_DIR, extra: Iterable[str] = ()
) -> Synonyms:
    """The table from the folder's synonyms*.txt files, then extra lines (administrators').

    A group whose member is already taken by an earlier file or line is skipped with a warning.
    """
    concept_of: dict[str, str] = {}
    for path in sorted(folder.glob(SYNONYM_FILES)) if folder is not None else []:
        with path.open(encoding="utf-8-sig") as handle:
            concept_of.update(parse_groups(handle, str(path), known=concept_of).concept_of)
    concept_of.update(parse_groups(extra, "<administrators>", known=concept_of).concept_of)
    return Synonyms(concept_of)
