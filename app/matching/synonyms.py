"""The synonym and alias table: groups of words that name one concept (query expansion)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
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

    @cached_property
    def members_of(self) -> dict[str, tuple[str, ...]]:
        """Each concept label's member words."""
        groups: dict[str, list[str]] = {}
        for word, label in self.concept_of.items():
            groups.setdefault(label, []).append(word)
        return {label: tuple(words) for label, words in groups.items()}

    def members(self) -> Iterator[str]:
        """Every word of the table (each goes into the tokenizer's dictionary)."""
        return iter(self.concept_of)

    @cached_property
    def token_of(self) -> dict[str, str]:
        """Each member word's concept token (a plain dict: the index looks up every token)."""
        return {word: CONCEPT_PREFIX + label for word, label in self.concept_of.items()}

    def __len__(self) -> int:
        """The number of member words."""
        return len(self.concept_of)


def parse_groups(
    lines: Iterable[str],
    source: str = "<synonyms>",
    known: dict[str, str] | None = None,
    merge: bool = False,
) -> Synonyms:
    """Read `a ~ b ~ c` groups; a malformed line is skipped with a warning naming it.

    `known` holds members taken elsewhere. A group reusing one is skipped, unless `merge`
    is set and every reused member belongs to one concept: its new members then join it.
    """
    concept_of: dict[str, str] = {}
    taken = known if known is not None else {}
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        members = [normalise(m).strip() for m in line.split(SEPARATOR)]
        label, problem = _group_label(members, {**taken, **concept_of}, merge)
        if problem:
            logger.warning("%s:%d: skipped synonym line: %s", source, number, problem)
            continue
        for member in members:
            if member not in taken and member not in concept_of:
                concept_of[member] = label
    return Synonyms(concept_of)


def _group_label(members: list[str], known: dict[str, str], merge: bool) -> tuple[str, str | None]:
    """The concept label a group's members map to, or a reason to skip the group."""
    if len(members) < 2:
        return "", "a group needs at least two members separated by ~"
    if any(not m or any(ch.isspace() for ch in m) for m in members):
        return "", "members must be non-empty words without spaces"
    if len(set(members)) != len(members):
        return "", "a member is repeated"
    concepts = {known[m] for m in members if m in known}
    if not concepts:
        return members[0], None
    if merge and len(concepts) == 1:
        return concepts.pop(), None
    taken = [m for m in members if m in known]
    return "", f"already in another group: {', '.join(taken)}"


def load_synonyms(
    folder: Path | None = DEFAULT_SYNONYMS_DIR, extra: Iterable[str] = ()
) -> Synonyms:
    """The table from the folder's synonyms*.txt files, then extra lines (administrators').

    A group overlapping one concept of an earlier file joins it; one overlapping two concepts
    is skipped with a warning naming its line.
    """
    concept_of: dict[str, str] = {}
    for path in sorted(folder.glob(SYNONYM_FILES)) if folder is not None else []:
        with path.open(encoding="utf-8-sig") as handle:
            concept_of.update(parse_groups(handle, str(path), concept_of, merge=True).concept_of)
    concept_of.update(parse_groups(extra, "<administrators>", concept_of, merge=True).concept_of)
    return Synonyms(concept_of)
