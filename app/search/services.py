"""Searching a list page in the database: filters, relevance, order, one page, highlighted."""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from markupsafe import Markup
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.matching import Tokenizer
from app.matching.text import is_content_token, normalise
from app.models import (
    Capability,
    ListingCount,
    ListingStatus,
    Organization,
    Scenario,
    TaxonomyTerm,
)
from app.models.listing import capability_domains, capability_tags, local_today, scenario_tags
from app.models.org import organization_honours
from app.models.search import budget_high
from app.recommendations.live import live as live_matching
from app.search.documents import SIDES, Listing, Record, facet, record_of, side_of, store_document
from app.search.filters import Filters
from app.search.fulltext import FullText, full_text
from app.search.highlight import highlight, snippet
from app.search.lexemes import CLASSES

MAX_PAGE = 10_000  # bounded offset: nobody pages further, and the database skips rows to get there


@dataclass(frozen=True)
class Hit:
    """A listing on a result page, with its title and snippet highlighted."""

    listing: Listing
    title: Markup
    snippet: Markup


@dataclass
class ResultPage:
    """One page of results; the attributes the pager macro reads."""

    items: list[Hit]
    total: int
    page: int
    per_page: int
    terms: tuple[str, ...] = ()

    @property
    def pages(self) -> int:
        """How many pages the results fill."""
        return max(math.ceil(self.total / self.per_page), 1) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int:
        return self.page + 1

    def iter_pages(
        self, left_edge: int = 2, left_current: int = 2, right_current: int = 4, right_edge: int = 2
    ) -> Iterator[int | None]:
        """Page numbers to link, None for a gap (as Flask-SQLAlchemy's pagination)."""
        pages = self.pages
        shown = set(range(1, min(left_edge, pages) + 1))
        shown |= set(
            range(max(self.page - left_current, 1), min(self.page + right_current, pages) + 1)
        )
        shown |= set(range(max(pages - right_edge + 1, 1), pages + 1))
        previous = 0
        for number in sorted(shown):
            if number - previous > 1:
                yield None
            yield number
            previous = number


def tokenizer() -> Tokenizer:
    """The matching engine's tokenizer (seed dictionary plus administrators' words)."""
    return live_matching(current_app).engine().tokenizer


def query_tokens(
    text: str, cut: Tokenizer, known: Callable[[Sequence[str]], Collection[str]]
) -> tuple[str, ...]:
    """The terms searched for: each typed word as is when some indexed word contains it
    (配时 inside 红绿灯配时, 医保 inside 医保基金), else its jieba tokens; a word made only
    of stop words is searched as typed.

    known(words) answers which of the words some indexed word contains (the database looks
    them up: no process keeps a vocabulary). It is asked only about typed words jieba cuts
    into something else, all at once: a word jieba keeps whole is searched as typed either
    way, and punctuation is inside no indexed word.
    """
    plan = []
    for chunk in normalise(text).split():
        tokens = cut.tokens(chunk)
        plan.append((chunk, tokens or ([chunk] if is_content_token(chunk) else [])))
    asked = [
        chunk
        for chunk, fallback in plan
        if len(chunk) >= 2 and fallback != [chunk] and is_content_token(chunk)
    ]
    found = set(known(asked)) if asked else set()
    terms: list[str] = []
    for chunk, fallback in plan:
        terms.extend([chunk] if chunk in found else fallback)
    return tuple(dict.fromkeys(terms))


def _known(side: str) -> Callable[[Sequence[str]], set[str]]:
    """The database's answer to query_tokens: which words a published listing holds (the
    index holds published listings only), each the first entry of a posting list."""
    text = _full_text(side)

    def known(words: Sequence[str]) -> set[str]:
        checks = [sa.exists(text.holding([word])) for word in words]
        answers = db.session.execute(sa.select(*checks)).one()
        return {word for word, yes in zip(words, answers, strict=True) if yes}

    return known


def _full_text(side: str) -> FullText:
    return full_text(db.engine.dialect.name, side)


def _term_ids(link: sa.Table, owner: str, kind: str, name: str) -> sa.Select:
    """Ids of the listings linked to the taxonomy term of that kind and name."""
    term = sa.select(TaxonomyTerm.id).where(TaxonomyTerm.kind == kind, TaxonomyTerm.name == name)
    return sa.select(link.c[f"{owner}_id"]).where(link.c.term_id == term.scalar_subquery())


def _org_conditions(filters: Filters, side: str) -> list[sa.ColumnElement[bool]]:
    """Conditions on the listing's organisation (read at query time: firms change)."""
    conditions: list[sa.ColumnElement[bool]] = []
    if filters.local:
        conditions.append(Organization.is_local.is_(True))
    if side == "capability" and filters.district:
        conditions.append(Organization.district == filters.district)
    if filters.honour:
        honoured = (
            sa.select(organization_honours.c.organization_id)
            .join(TaxonomyTerm, TaxonomyTerm.id == organization_honours.c.term_id)
            .where(TaxonomyTerm.kind == "honour", TaxonomyTerm.name == filters.honour)
        )
        conditions.append(Organization.id.in_(honoured))
    return conditions


def _scenario_conditions(filters: Filters, today: date) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if filters.domain:
        conditions.append(Scenario.domain == filters.domain)
    if filters.district:
        conditions.append(Scenario.district == filters.district)
    if filters.opening_method:
        conditions.append(Scenario.opening_method == filters.opening_method)
    if filters.tag:
        conditions.append(Scenario.id.in_(_term_ids(scenario_tags, "scenario", "tag", filters.tag)))
    if filters.budget_min is not None or filters.budget_max is not None:
        conditions.append(Scenario.budget_wan.is_not(None))  # undisclosed budgets are left out
        if filters.budget_min is not None:
            conditions.append(budget_high() >= filters.budget_min)
        if filters.budget_max is not None:
            conditions.append(Scenario.budget_wan <= filters.budget_max)
    if filters.deadline and filters.deadline != "open":  # 未截止 is every listed scenario
        last = today + timedelta(days=int(filters.deadline))
        conditions.append(Scenario.deadline.between(today, last))
    return conditions


def _capability_conditions(filters: Filters) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if filters.domain:
        ids = _term_ids(capability_domains, "capability", "domain", filters.domain)
        conditions.append(Capability.id.in_(ids))
    if filters.tag:
        ids = _term_ids(capability_tags, "capability", "tag", filters.tag)
        conditions.append(Capability.id.in_(ids))
    return conditions


def _filter_conditions(side: str, filters: Filters, today: date) -> list[sa.ColumnElement[bool]]:
    """SQL for every filter but the search words (none: an empty list)."""
    model = SIDES[side]
    if side == "scenario":
        found = _scenario_conditions(filters, today)
    else:
        found = _capability_conditions(filters)
    orgs = _org_conditions(filters, side)
    if orgs:
        found.append(model.organization_id.in_(sa.select(Organization.id).where(*orgs)))
    return found


def _listed(side: str, today: date) -> sa.ColumnElement[bool]:
    """Published and, for a scenario, not past its deadline (even before the expiry sweep)."""
    if side == "scenario":
        return sa.and_(
            Scenario.status == ListingStatus.PUBLISHED,
            sa.or_(Scenario.deadline.is_(None), Scenario.deadline >= today),
        )
    return Capability.status == ListingStatus.PUBLISHED


def listed_count(side: str, today: date) -> sa.ColumnElement[int]:
    """How many listings of a side are listed: the published count the database keeps
    (listing_counts), less the scenarios past their deadline not yet swept (an index range,
    empty once the daily sweep has run)."""
    published = sa.select(ListingCount.published).where(ListingCount.side == side)
    if side == "capability":
        return published.scalar_subquery()
    late = sa.select(sa.func.count()).select_from(Scenario).where(_past_deadline(today))
    return published.scalar_subquery() - late.scalar_subquery()


def _past_deadline(today: date) -> sa.ColumnElement[bool]:
    """Published scenarios the expiry sweep has not reached yet: few (a day's worth)."""
    return sa.and_(Scenario.status == ListingStatus.PUBLISHED, Scenario.deadline < today)


@dataclass(frozen=True)
class SortKey:
    """One ORDER BY term, which can be read backwards (for pages past the middle)."""

    expression: sa.ColumnElement
    descending: bool
    nulls_last: bool | None = None  # None: the database's default

    def clause(self, backwards: bool = False) -> sa.ColumnElement:
        """The ORDER BY element, reversed when reading from the end."""
        descending = self.descending != backwards
        clause = self.expression.desc() if descending else self.expression.asc()
        if self.nulls_last is None:
            return clause
        last = self.nulls_last != backwards
        return clause.nulls_last() if last else clause.nulls_first()


def sort_keys(side: str, sort: str) -> list[SortKey]:
    """The order of a list (each walks an index of LIST_INDEXES); ties fall back to newest
    first, then the highest id. Relevance orders levels of results, each newest first."""
    model = SIDES[side]
    newest = [SortKey(model.published_at, True), SortKey(model.id, True)]
    if sort == "deadline" and side == "scenario":
        return [SortKey(Scenario.deadline, False, nulls_last=True), *newest]  # none: last
    if sort == "budget" and side == "scenario":
        # 面议 last: the IS NULL key puts NULLs in the same place on both databases
        return [SortKey(budget_high().is_(None), False), SortKey(budget_high(), True), *newest]
    return newest


def _card_options(side: str) -> list:
    """What the result cards show, loaded with the page: one query per list, not per card."""
    model = SIDES[side]
    if model is Scenario:  # a scenario card names its organisation, without honours
        return [
            joinedload(Scenario.organization).lazyload(Organization.honours),
            selectinload(Scenario.tags),
        ]
    return [
        joinedload(Capability.organization),  # its honours: one more query (lazy="selectin")
        selectinload(Capability.tags),
        selectinload(Capability.domains),
    ]


@dataclass(frozen=True)
class Slice:
    """Rows start..end (end excluded) of an ordered set of `size` rows."""

    start: int
    end: int
    size: int

    def rows(
        self, side: str, where: Sequence[sa.ColumnElement[bool]], keys: Sequence[SortKey]
    ) -> list[Listing]:
        """The listings of the slice in display order, with what their cards show.

        A slice past the middle is read from the other end (fewer rows to skip): the last
        page of 100,000 costs what the first does. The ordered ids are a subquery of the
        query loading the rows: one statement.
        """
        end = min(self.end, self.size)
        if self.start >= end:
            return []
        model = SIDES[side]
        backwards = self.start > self.size - end
        # ordered by the labels: an expression (the relevance score) is computed once a row
        labelled = [
            replace(key, expression=key.expression.label(f"key{n}")) for n, key in enumerate(keys)
        ]
        page = (
            sa.select(model.id, *(key.expression for key in labelled))
            .where(*where)
            .order_by(*(key.clause(backwards) for key in labelled))
            .offset(self.size - end if backwards else self.start)
            .limit(end - self.start)
            .subquery()
        )
        again = [replace(key, expression=page.c[f"key{n}"]) for n, key in enumerate(keys)]
        query = (
            sa.select(model)
            .join(page, page.c.id == model.id)
            .order_by(*(key.clause(backwards) for key in again))
            .options(*_card_options(side))
        )
        rows = list(db.session.scalars(query))
        return rows[::-1] if backwards else rows


def newest(side: str, limit: int) -> list[Listing]:
    """The newest listed listings of a side (the home page), read from the newest index."""
    where = [_listed(side, local_today())]
    return Slice(0, limit, limit).rows(side, where, sort_keys(side, "newest"))


# Relevance, best first: every searched word a whole word of the title; every word in the
# title (some inside longer words); every word a whole word of the listing; the rest (some
# word only inside a longer body word). Newest first within a level. For one word these
# are the four classes of lexemes. Level k holds the listings found with the first k
# classes allowed but not with the first k - 1: a level is a difference of two index sets,
# so ranking reads no stored document and computes no score per listing.
LEVELS = tuple(CLASSES[: k + 1] for k in range(len(CLASSES)))


class Check(enum.Enum):
    """How listings are checked against a set of the full-text index."""

    PROBE = "one index lookup per listing walked"
    SET = "the set read once, each listing walked looked up in it"
    DRIVE = "the set's listings read by id, then ordered (small sets)"


# A page walks an order's index and stops at its end, so it checks about end / density
# listings: one lookup each (SQLite ~45 µs, an FTS5 query; PostgreSQL ~25 µs, a stored vector
# read from TOAST), or reading the whole set first (~0.4 µs a listing in it). Lookups win
# when end * listed * PROBE_COST < size²: a common word's first pages.
PROBE_COST = {"sqlite": 110, "postgresql": 60}
# PostgreSQL reads a set of at most this many by id (a nested loop on the primary key, then
# a sort): cheaper than walking an index far to find a rare word's listings. Beyond, the
# set is hashed once and the walk looks listings up in it. (SQLite decides this itself.)
DRIVE_MAX = 500


def _count(query: sa.Select) -> sa.ScalarSelect[int]:
    return sa.select(sa.func.count()).select_from(query.subquery()).scalar_subquery()


@dataclass
class WordSearch:
    """The search words of one list page: sets of the full-text index, counted and read.

    PostgreSQL keeps no statistics on the vector (the migration says why), so its planner
    takes every set for a small one; the plans are chosen here, from the counts read first.
    """

    side: str
    where: list[sa.ColumnElement[bool]]  # listed, and passing every filter but the words
    terms: tuple[str, ...]
    today: date
    listed: int | None = None  # how many are listed (no filter given), once counted
    matches: int | None = None  # how many hold the terms, before the filters, once counted

    @property
    def text(self) -> FullText:
        return _full_text(self.side)

    @property
    def filtered(self) -> bool:
        """Whether a filter other than the words is given."""
        return len(self.where) > 1

    def _index_counts(self, sets: Sequence[tuple[str, ...] | None]) -> list[int]:
        """The sets counted in the full-text index alone, and how many are listed.

        It holds published listings only (the database deletes the others' rows); the
        published scenarios past their deadline that the expiry sweep has not reached yet
        (none once it has run) are taken out by probing the index for each.
        """
        text = self.text
        counts = [_count(text.holding(self.terms, allowed)) for allowed in sets]
        if self.side == "scenario":
            late = [
                sa.select(Scenario.id).where(
                    _past_deadline(self.today), text.holds(Scenario.id, self.terms, allowed)
                )
                for allowed in sets
            ]
            counts = [found - _count(past) for found, past in zip(counts, late, strict=True)]
        *found, self.listed = db.session.execute(
            sa.select(*counts, listed_count(self.side, self.today))
        ).one()
        return found

    def counts(self, sets: Sequence[tuple[str, ...] | None]) -> list[int]:
        """How many listings passing `where` hold the terms, with each set's allowed classes
        (None: any class): in the index alone without filters, else in SQL."""
        if not self.filtered:
            return self._index_counts(sets)
        if self.matches is None:
            [self.matches] = self._index_counts([None])
            self.listed = None  # the filters are walked, not every listed listing
        model = SIDES[self.side]
        counts = [
            sa.select(sa.func.count())
            .select_from(model)
            .where(*self.where, *self.member(allowed, None, self.matches, 0))
            .scalar_subquery()
            for allowed in sets
        ]
        return list(db.session.execute(sa.select(*counts)).one())

    def _check(self, size: int, end: int) -> Check:
        dialect = db.engine.dialect.name
        if self.listed is not None and end and end * self.listed * PROBE_COST[dialect] < size**2:
            return Check.PROBE
        if dialect == "postgresql" and size <= DRIVE_MAX:
            return Check.DRIVE
        return Check.SET

    def _in(self, allowed: tuple[str, ...] | None, check: Check) -> sa.ColumnElement[bool]:
        model, text = SIDES[self.side], self.text
        if check is Check.PROBE:
            return text.holds(model.id, self.terms, allowed)
        found = model.id.in_(text.holding(self.terms, allowed))
        if check is Check.SET and db.engine.dialect.name == "postgresql":
            # inside CASE the IN stays a subplan PostgreSQL hashes once; at the top of WHERE
            # it becomes a join its planner would drive by the set (its size unknown to it).
            # SQLite builds an IN set once and weighs driving by it itself.
            return sa.case((found, sa.true()), else_=sa.false())
        return found

    def member(
        self, allowed: tuple[str, ...] | None, before: tuple[str, ...] | None, size: int, end: int
    ) -> list[sa.ColumnElement[bool]]:
        """Conditions on the listing id: in the set with `allowed`, not in the one with
        `before` (a relevance level); size: about how many it holds; end: the last row
        needed (0: every row, a count)."""
        check = self._check(size, end)
        found = [self._in(allowed, check)]
        if before is not None:
            found.append(sa.not_(self._in(before, Check.SET if check is Check.DRIVE else check)))
        return found

    def by_relevance(self, start: int, end: int) -> tuple[int, list[Listing]]:
        """The total, and rows start..end by relevance: the levels in turn, newest first.

        Only the levels the page overlaps are counted and read: page one of a common word
        counts its title sets (small) and all its results, and reads one or two levels.
        """
        total, *upto = self.counts([None, LEVELS[0], LEVELS[1]])
        if end > upto[-1]:
            upto += self.counts([LEVELS[2]])
        upto.append(total)  # the last level ends with the results
        rows: list[Listing] = []
        first = 0
        for k, last in enumerate(upto):
            if first >= end:
                break
            if first < last and start < last:
                part = Slice(max(start - first, 0), min(end, last) - first, last - first)
                before = LEVELS[k - 1] if k else None
                size = self.matches if self.filtered else part.size
                level = self.member(LEVELS[k], before, size or 0, part.end)
                rows += part.rows(self.side, [*self.where, *level], sort_keys(self.side, "newest"))
            first = last
        return total, rows

    def in_order(self, sort: str, start: int, end: int) -> tuple[int, list[Listing]]:
        """The total, and rows start..end in a list order (newest, deadline, budget)."""
        [total] = self.counts([None])
        size = self.matches if self.filtered else total
        found = self.member(None, None, size or 0, end)  # walks an index of LIST_INDEXES
        rows = Slice(start, end, total).rows(
            self.side, [*self.where, *found], sort_keys(self.side, sort)
        )
        return total, rows


def search(side: str, filters: Filters, page: int, per_page: int) -> ResultPage:
    """One page of published listings matching the filters, in the chosen order."""
    filters = filters.for_side(side)
    page = min(max(page, 1), MAX_PAGE)
    model = SIDES[side]
    terms = query_tokens(filters.q, tokenizer(), _known(side)) if filters.q else ()
    if filters.q and not terms:  # only punctuation or numbers: nothing can hold it
        return ResultPage([], 0, page, per_page, terms)
    today = local_today()
    start, end = (page - 1) * per_page, page * per_page
    where = [_listed(side, today), *_filter_conditions(side, filters, today)]
    sort = filters.effective_sort
    if terms:
        words = WordSearch(side, where, terms, today)
        if sort == "relevance":
            total, rows = words.by_relevance(start, end)
        else:
            total, rows = words.in_order(sort, start, end)
        return ResultPage(_hits(rows, terms), total, page, per_page, terms)
    if len(where) == 1:
        total = db.session.scalar(sa.select(listed_count(side, today))) or 0
    else:
        total = db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))
    rows = Slice(start, end, total or 0).rows(side, where, sort_keys(side, sort))
    return ResultPage(_hits(rows, terms), total or 0, page, per_page, terms)


def _hits(rows: Sequence[Listing], terms: Sequence[str]) -> list[Hit]:
    """The rows of a page with their titles and snippets highlighted."""
    return [
        Hit(row, highlight(row.title, terms), snippet(_snippet_text(row), terms)) for row in rows
    ]


def _snippet_text(listing: Listing) -> str:
    """Where the snippet is taken from: the description first, then the other long texts."""
    if isinstance(listing, Scenario):
        return " ".join(p for p in (listing.description, listing.needs, listing.expected) if p)
    return " ".join(p for p in (listing.description, listing.keywords) if p)


class TermCache:
    """query_tokens for many saved searches against one new listing, each query cut once."""

    def __init__(self, side: str, record: Record) -> None:
        self.side, self.record = side, record
        self.cache: dict[str, tuple[str, ...]] = {}

    def _known(self, words: Sequence[str]) -> set[str]:
        """Words the new listing holds, else that a listed one holds (asked in one query)."""
        own = {word for word in words if self.record.holds(word)}
        rest = [word for word in words if word not in own]
        return own | (_known(self.side)(rest) if rest else set())

    def __call__(self, text: str) -> tuple[str, ...]:
        """The terms of one query."""
        if not text:
            return ()
        if text not in self.cache:
            self.cache[text] = query_tokens(text, tokenizer(), self._known)
        return self.cache[text]


def index_listing(listing: Listing) -> Record:
    """Store a listing's search words (published, or its text changed); return its record."""
    cut = tokenizer()
    store_document(db.session, listing, cut)
    return record_of(listing, cut)


def _facets(filters: Filters, side: str) -> list[str]:
    keys = []
    if filters.domain:
        keys.append(facet("domain", filters.domain))
    if filters.tag:
        keys.append(facet("tag", filters.tag))
    if side == "scenario":
        if filters.district:
            keys.append(facet("district", filters.district))
        if filters.opening_method:
            keys.append(facet("opening_method", filters.opening_method))
    return keys


def matches(
    filters: Filters, record: Record, listing: Listing, today: date, terms: Sequence[str]
) -> bool:
    """Whether one listing passes a search (terms: query_tokens of its q), as search() would."""
    side = side_of(listing)
    filters = filters.for_side(side)
    if any(key not in record.facets for key in _facets(filters, side)):
        return False
    org = listing.organization
    if filters.local and not org.is_local:
        return False
    if side == "capability" and filters.district and org.district != filters.district:
        return False
    if filters.honour and filters.honour not in org.honour_names:
        return False
    if not _deadline_ok(filters, record, today) or not _budget_ok(filters, record):
        return False
    if filters.q:
        return bool(terms) and all(record.holds(t) for t in terms)
    return True


def _deadline_ok(filters: Filters, record: Record, today: date) -> bool:
    if record.deadline is not None and record.deadline < today:
        return False  # past its deadline: not listed
    if not filters.deadline or filters.deadline == "open":
        return True
    last = today + timedelta(days=int(filters.deadline))
    return record.deadline is not None and record.deadline <= last


def _budget_ok(filters: Filters, record: Record) -> bool:
    if filters.budget_min is None and filters.budget_max is None:
        return True
    if record.budget_low is None or record.budget_high is None:
        return False
    if filters.budget_min is not None and record.budget_high < filters.budget_min:
        return False
    return filters.budget_max is None or record.budget_low <= filters.budget_max


def describe(filters: Filters) -> str:
    """A short Chinese name for a search (the default name of a saved search)."""
    parts = [f"“{filters.q}”"] if filters.q else []
    parts += [
        v for v in (filters.domain, filters.district, filters.tag, filters.opening_method) if v
    ]
    parts += [filters.honour] if filters.honour else []
    parts += ["本地企业"] if filters.local else []
    if filters.budget_min is not None or filters.budget_max is not None:
        parts.append(f"预算{filters.budget_min or 0}–{filters.budget_max or '不限'}万元")
    return " · ".join(parts)[:60] or "全部"
