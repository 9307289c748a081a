"""The search words of a list page: sets of the full-text index, counted, ranked and read."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.lexemes import CLASSES
from app.models import Scenario
from app.search.documents import SIDES, Listing
from app.search.fulltext import FullText, full_text
from app.search.queries import (
    Slice,
    ids_in,
    listed,
    listed_count,
    load,
    past_deadline,
    sort_keys,
)

# Relevance, best first: every searched word a whole word of the title; every word in the
# title (some inside longer words); every word a whole word of the listing; the rest (some
# word only inside a longer body word). Newest first within a level. For one word these
# are the four classes of lexemes. Level k holds the listings found with the first k
# classes allowed but not with the first k - 1: a level is a difference of two index sets,
# so ranking reads no stored document and computes no score per listing.
LEVELS = tuple(CLASSES[: k + 1] for k in range(len(CLASSES)))


def full_text_of(side: str) -> FullText:
    """The full-text queries of the database in use."""
    return full_text(db.engine.dialect.name, side)


def known_words(side: str) -> Callable[[Sequence[str]], set[str]]:
    """The database's answer to query_tokens: which words a published listing holds (the
    index holds published listings only), each the first entry of a posting list."""
    text = full_text_of(side)

    def known(words: Sequence[str]) -> set[str]:
        checks = [text.any_holding([word], f"known{n}") for n, word in enumerate(words)]
        answers = db.session.execute(sa.select(*checks)).one()
        return {word for word, yes in zip(words, answers, strict=True) if yes}

    return known


class Check(enum.Enum):
    """How listings are checked against a set of the full-text index."""

    PROBE = "one index lookup per listing walked"
    SET = "the set read once, each listing walked looked up in it"
    DRIVE = "the set read first, its listings then read by id and ordered (small sets)"


# A page walks an order's index and stops at its end, so it checks about end / density
# listings: one lookup each (SQLite ~45 µs, an FTS5 query; PostgreSQL ~25 µs, a stored vector
# read from TOAST), or reading the whole set first (~0.4 µs a listing in it). Lookups win
# when end * listed * PROBE_COST < size²: a common word's first pages.
PROBE_COST = {"sqlite": 110, "postgresql": 60}
# With filters, up to this many results are read with their relevance level in one statement
# and ranked here; more are counted and read level by level.
FEW = 2_000
# A small set is better read by id, then sorted: walking an order's index to a rare word's
# listings reads far (to the end of the index for fewer than a page). Its listings are read
# by id (~5 µs each on SQLite, a table row; ~3 µs on PostgreSQL) where a walk steps ~0.1 µs an
# entry: when size² * DRIVE_COST < end * listed. With filters, the walk's length is unknown:
# PostgreSQL then reads sets of at most DRIVE_MAX by id, SQLite never.
DRIVE_COST = {"sqlite": 50, "postgresql": 30}
DRIVE_MAX = 500


def _count(query: sa.Select[*tuple[Any, ...]]) -> sa.ScalarSelect[int]:
    return sa.select(sa.func.count()).select_from(query.subquery()).scalar_subquery()


@dataclass
class WordSearch:
    """The search words of one list page: sets of the full-text index, counted and read.

    PostgreSQL keeps no statistics on the vector (the migration says why), so its planner
    takes every set for a small one; the plans are chosen here, from the counts read first.
    """

    side: str
    filters: list[sa.ColumnElement[bool]]  # every filter but the words
    terms: tuple[str, ...]
    today: date
    listed: int | None = None  # how many are listed (no filter given), once counted
    matches: int | None = None  # how many hold the terms (up to DRIVE_MAX + 1), once counted
    late: list[int] | None = None  # scenarios past their deadline, not yet swept, once read

    @property
    def text(self) -> FullText:
        return full_text_of(self.side)

    @property
    def filtered(self) -> bool:
        """Whether a filter other than the words is given."""
        return bool(self.filters)

    def where(self, by_id: bool = False) -> list[sa.ColumnElement[bool]]:
        """Listed and passing the filters (by_id: the listings are given by id)."""
        return [listed(self.side, self.today, by_id), *self.filters]

    def _late(self) -> list[int]:
        """Published scenarios past their deadline the expiry sweep has not reached yet: none
        once it has run (an index range). Read first, so that the counts probe only these
        (and PostgreSQL does not plan for thousands of probes, then compile the plan)."""
        if self.side != "scenario":
            return []
        if self.late is None:
            self.late = list(
                db.session.scalars(sa.select(Scenario.id).where(past_deadline(self.today)))
            )
        return self.late

    def _index_counts(self, sets: Sequence[tuple[str, ...] | None]) -> list[int]:
        """The sets counted in the full-text index alone, and how many are listed.

        It holds published listings only (the database deletes the others' rows); the
        scenarios past their deadline not yet swept are taken out by probing the index for
        each.
        """
        text, late = self.text, self._late()
        counts: list[sa.ColumnElement[int]] = [
            _count(text.holding(self.terms, allowed)) for allowed in sets
        ]
        if late:
            past = [
                sa.select(Scenario.id).where(
                    ids_in(Scenario.id, late), text.holds(Scenario.id, self.terms, allowed)
                )
                for allowed in sets
            ]
            counts = [found - _count(gone) for found, gone in zip(counts, past, strict=True)]
        *found, self.listed = db.session.execute(
            sa.select(*counts, listed_count(self.side, self.today))
        ).one()
        return found

    def counts(self, sets: Sequence[tuple[str, ...] | None]) -> list[int]:
        """How many listed listings passing the filters hold the terms, with each set's
        allowed classes (None: any class): in the index alone without filters, else in SQL."""
        if not self.filtered:
            return self._index_counts(sets)
        model = SIDES[self.side]
        counts = []
        for allowed in sets:
            found, by_id = self.member(allowed, None, self._size(), 0)
            query = sa.select(sa.func.count()).select_from(model).where(*self.where(by_id), *found)
            counts.append(query.scalar_subquery())
        return list(db.session.execute(sa.select(*counts)).one())

    def _size(self) -> int:
        """With filters: how many listings hold the words, up to DRIVE_MAX + 1 (whether the
        set is small enough to be read by id; only that many rows are checked)."""
        if self.matches is None:
            ids = self.text.holding(self.terms).limit(DRIVE_MAX + 1)
            self.matches = db.session.scalar(sa.select(_count(ids))) or 0
        return self.matches

    def _check(self, size: int, end: int) -> Check:
        dialect = db.engine.dialect.name
        if self.listed is not None and end:  # a page of the whole list: the walk is known
            if end * self.listed * PROBE_COST[dialect] < size**2:
                return Check.PROBE
            if size**2 * DRIVE_COST[dialect] < end * self.listed:
                return Check.DRIVE
            return Check.SET
        if dialect == "postgresql" and size <= DRIVE_MAX:
            return Check.DRIVE
        return Check.SET

    def _in(self, allowed: tuple[str, ...] | None, check: Check) -> sa.ColumnElement[bool]:
        model, text = SIDES[self.side], self.text
        if check is Check.PROBE:
            return text.holds(model.id, self.terms, allowed)
        found = model.id.in_(text.holding(self.terms, allowed))
        if db.engine.dialect.name == "postgresql":
            # inside CASE the IN stays a subplan PostgreSQL hashes once; at the top of WHERE
            # it becomes a join its planner would drive by the set (its size unknown to it).
            # SQLite builds an IN set once and weighs driving by it itself.
            return sa.case((found, sa.true()), else_=sa.false())
        return found

    def _ids(self, allowed: tuple[str, ...] | None, before: tuple[str, ...] | None) -> list[int]:
        """The ids of a small set (a level: in the set with `allowed`, not with `before`)."""
        text = self.text
        query = text.holding(self.terms, allowed)
        if before is not None:
            ids = query.selected_columns[0]
            query = query.where(sa.not_(ids.in_(text.holding(self.terms, before))))
        return list(db.session.scalars(query))

    def member(
        self, allowed: tuple[str, ...] | None, before: tuple[str, ...] | None, size: int, end: int
    ) -> tuple[list[sa.ColumnElement[bool]], bool]:
        """Conditions on the listing id: in the set with `allowed`, not in the one with
        `before` (a relevance level); size: about how many it holds; end: the last row
        needed (0: every row, a count). And whether they give the listings by id: a small
        set is read first, so that both planners read its listings by id rather than walk
        an order's index."""
        model = SIDES[self.side]
        check = self._check(size, end)
        if check is Check.DRIVE:
            return [ids_in(model.id, self._ids(allowed, before))], True
        found = [self._in(allowed, check)]
        if before is not None:
            found.append(sa.not_(self._in(before, check)))
        return found, False

    def _few_by_relevance(self, start: int, end: int) -> tuple[int, list[Listing]] | None:
        """With filters: every result and its level, ranked here, when there are at most FEW
        (each set is then read once, not once per count and per level read)."""
        model = SIDES[self.side]
        postgres = db.engine.dialect.name == "postgresql"
        # SQLite builds each level's set whole, cheaply; PostgreSQL would visit every row of
        # each (a heap check a match): it reads the levels of the few results afterwards
        in_levels = [] if postgres else [self._in(allowed, Check.SET) for allowed in LEVELS[:-1]]
        query = (
            sa.select(model.id, model.published_at, *in_levels)
            .where(*self.where(), self._in(None, self._check(self._size(), 0)))
            .limit(FEW + 1)
        )
        found = list(db.session.execute(query).all())
        if len(found) > FEW:
            return None
        if postgres:
            best = self._levels_among([row[0] for row in found])
            level = {row[0]: best.get(row[0], len(LEVELS) - 1) for row in found}
        else:
            level = {
                row[0]: next((k for k, yes in enumerate(row[2:]) if yes), len(LEVELS) - 1)
                for row in found
            }
        # newest first (then the highest id), then levels in order: a stable sort keeps the
        # first order within each level
        found.sort(key=lambda row: (row[1], row[0]), reverse=True)
        found.sort(key=lambda row: level[row[0]])
        return len(found), load(self.side, [row[0] for row in found[start:end]])

    def _levels_among(self, ids: list[int]) -> dict[int, int]:
        """The best level of each of a few listings (absent: the last), from the index sets
        restricted to them: PostgreSQL ANDs the GIN bitmap with the listings' own."""
        if not ids:
            return {}
        parts = []
        for k, allowed in enumerate(LEVELS[:-1]):
            query = self.text.holding(self.terms, allowed)
            listing = query.selected_columns[0]
            parts.append(
                query.with_only_columns(sa.literal(k), listing).where(ids_in(listing, ids))
            )
        best: dict[int, int] = {}
        for k, listing_id in db.session.execute(sa.union_all(*parts)):
            best[listing_id] = min(k, best.get(listing_id, k))
        return best

    def by_relevance(self, start: int, end: int) -> tuple[int, list[Listing]]:
        """The total, and rows start..end by relevance: the levels in turn, newest first.

        Only the levels up to the page's end are counted, and those it overlaps read: page
        one of a common word counts all its results and its whole title words, and reads one
        or two levels.
        """
        if self.filtered:
            few = self._few_by_relevance(start, end)
            if few is not None:
                return few
        total, *ends = self.counts([None, LEVELS[0]])
        # the next level's end only while the page reaches past the ends counted (each count
        # visits its rows on PostgreSQL): a word with many whole title words needs one
        while end > ends[-1] and len(ends) < len(LEVELS) - 1:
            ends += self.counts([LEVELS[len(ends)]])
        if end > ends[-1]:
            ends.append(total)  # the last level ends with the results
        parts = []  # (level, slice of it) the page overlaps
        first = 0
        for k, last in enumerate(ends):  # level k: ends[k - 1] to ends[k]
            if first < last and start < last:
                parts.append(
                    (k, Slice(max(start - first, 0), min(end, last) - first, last - first))
                )
            first = last
        if len(parts) == 1:  # the rows with their ids, in one statement
            k, part = parts[0]
            return total, part.rows(self.side, self._level(k, part), sort_keys(self.side, "newest"))
        # a page across levels: each level's ids, then every row at once (the loads of what
        # the cards show are made once, not once per level)
        keys = sort_keys(self.side, "newest")
        ids = [i for k, part in parts for i in part.ids(self.side, self._level(k, part), keys)]
        return total, load(self.side, ids)

    def _level(self, k: int, part: Slice) -> list[sa.ColumnElement[bool]]:
        """Listed, the filters, and in level k (part: the slice of it read)."""
        size = self._size() if self.filtered else part.size
        level, by_id = self.member(LEVELS[k], LEVELS[k - 1] if k else None, size, part.end)
        return [*self.where(by_id), *level]

    def in_order(self, sort: str, start: int, end: int) -> tuple[int, list[Listing]]:
        """The total, and rows start..end in a list order (newest, deadline, budget)."""
        [total] = self.counts([None])
        size = self._size() if self.filtered else total
        found, by_id = self.member(None, None, size or 0, end)
        keys = sort_keys(self.side, sort)  # each walks an index of LIST_INDEXES
        rows = Slice(start, end, total).rows(self.side, [*self.where(by_id), *found], keys)
        return total, rows
