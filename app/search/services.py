"""Searching a list page in the database: filters, relevance, order, one page, highlighted."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from markupsafe import Markup

from app import clock
from app.extensions import db
from app.listing_kinds import kind_of
from app.matching import Tokenizer
from app.matching.text import is_content_token, normalise
from app.paging import MAX_PAGE
from app.recommendations import provider
from app.search.documents import SIDES, Listing, Record, facet, record_of, side_of, store_document
from app.search.filters import Filters
from app.search.highlight import highlight, snippet
from app.search.queries import Slice, filter_conditions, listed, listed_count, sort_keys
from app.search.words import WordSearch, known_words


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
    return provider.tokenizer()


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


def search(side: str, filters: Filters, page: int, per_page: int) -> ResultPage:
    """One page of published listings matching the filters, in the chosen order."""
    filters = filters.for_side(side)
    page = min(max(page, 1), MAX_PAGE)
    model = SIDES[side]
    terms = query_tokens(filters.q, tokenizer(), known_words(side)) if filters.q else ()
    if filters.q and not terms:  # only punctuation or numbers: nothing can hold it
        return ResultPage([], 0, page, per_page, terms)
    today = clock.today()  # looked up when called: tests move the calendar
    start, end = (page - 1) * per_page, page * per_page
    conditions = filter_conditions(side, filters, today)
    sort = filters.effective_sort
    if terms:
        words = WordSearch(side, conditions, terms, today)
        if sort == "relevance":
            total, rows = words.by_relevance(start, end)
        else:
            total, rows = words.in_order(sort, start, end)
        return ResultPage(_hits(rows, terms), total, page, per_page, terms)
    where = [listed(side, today), *conditions]
    if not conditions:
        total = db.session.scalar(sa.select(listed_count(side, today))) or 0
    else:
        total = db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0
    rows = Slice(start, end, total or 0).rows(side, where, sort_keys(side, sort))
    return ResultPage(_hits(rows, terms), total or 0, page, per_page, terms)


def _hits(rows: Sequence[Listing], terms: Sequence[str]) -> list[Hit]:
    """The rows of a page with their titles and snippets highlighted."""
    return [
        Hit(row, highlight(row.title, terms), snippet(_snippet_text(row), terms)) for row in rows
    ]


def _snippet_text(listing: Listing) -> str:
    """Where the snippet is taken from: the description first, then the other long texts."""
    texts = (getattr(listing, name) for name in kind_of(listing).snippet_fields)
    return " ".join(p for p in texts if p)


class TermCache:
    """query_tokens for many saved searches against one new listing, each query cut once."""

    def __init__(self, side: str, record: Record) -> None:
        self.side, self.record = side, record
        self.cache: dict[str, tuple[str, ...]] = {}

    def _known(self, words: Sequence[str]) -> set[str]:
        """Words the new listing holds, else that a listed one holds (asked in one query)."""
        own = {word for word in words if self.record.holds(word)}
        rest = [word for word in words if word not in own]
        return own | (known_words(self.side)(rest) if rest else set())

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
    store_document(db.session(), listing, cut)
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
    parts = [filters.q] if filters.q else []  # bare: messages put a name in quotes themselves
    parts += [
        v for v in (filters.domain, filters.district, filters.tag, filters.opening_method) if v
    ]
    parts += [filters.honour] if filters.honour else []
    parts += ["本地企业"] if filters.local else []
    if filters.budget_min is not None or filters.budget_max is not None:
        parts.append(f"预算{filters.budget_min or 0}–{filters.budget_max or '不限'}万元")
    return " · ".join(parts)[:60] or "全部"
