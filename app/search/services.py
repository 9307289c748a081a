"""Searching a list page: filters, relevance, order, one page of rows, highlighted."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import sqlalchemy as sa
from flask import current_app
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.matching import Tokenizer
from app.matching.text import is_content_token, normalise
from app.models import Capability, Organization, Scenario, TaxonomyTerm
from app.models.org import organization_honours
from app.search.documents import SIDES, Listing, record_of, side_of, store_document
from app.search.filters import Filters
from app.search.highlight import highlight, snippet
from app.search.index import Record, SideIndex, facet, record_has
from app.search.live import live_search, tokenizer

MAX_PAGE = 10_000  # bounded offset: nobody pages further, and the sort is done either way


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


def query_tokens(text: str, cut: Tokenizer, vocabulary: Iterable[str]) -> tuple[str, ...]:
    """The terms searched for: each typed word as is when some indexed word contains it
    (配时 inside 红绿灯配时, 医保 inside 医保基金), else its jieba tokens; a word made only
    of stop words is searched as typed."""
    words = list(vocabulary)
    terms: list[str] = []
    for chunk in normalise(text).split():
        if len(chunk) >= 2 and any(chunk in word for word in words):
            terms.append(chunk)
            continue
        tokens = cut.tokens(chunk)
        if tokens:
            terms.extend(tokens)
        elif is_content_token(chunk):
            terms.append(chunk)
    return tuple(dict.fromkeys(terms))


def _org_ids(filters: Filters, side: str) -> np.ndarray | None:
    """Organisations allowed by the organisation filters (read fresh: firms change)."""
    conditions = []
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
    if not conditions:
        return None
    ids = db.session.scalars(sa.select(Organization.id).where(*conditions)).all()
    return np.asarray(ids, dtype=np.int64)


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


def _deadline_window(filters: Filters, today: date) -> tuple[int, int] | None:
    """Allowed deadline ordinals; None when not filtered. 未截止 keeps open-ended ones."""
    if not filters.deadline:
        return None
    if filters.deadline == "open":
        return today.toordinal(), np.iinfo(np.int64).max
    return today.toordinal(), (today + timedelta(days=int(filters.deadline))).toordinal()


def _mask(
    index: SideIndex, filters: Filters, side: str, today: date, orgs: np.ndarray | None
) -> np.ndarray:
    """Slots of live listings passing every filter except the search words."""
    mask = index.column("alive").copy()
    for key in _facets(filters, side):
        mask &= index.facet_mask(key)
    if orgs is not None:
        mask &= np.isin(index.column("org"), orgs)
    window = _deadline_window(filters, today)
    if window is not None:
        deadline = index.column("deadline")
        mask &= (deadline >= window[0]) & (deadline <= window[1])
    if filters.budget_min is not None or filters.budget_max is not None:
        low, high = index.column("low"), index.column("high")
        mask &= ~np.isnan(low)
        if filters.budget_min is not None:
            mask &= high >= float(filters.budget_min)
        if filters.budget_max is not None:
            mask &= low <= float(filters.budget_max)
    return mask


def _primary(
    index: SideIndex, slots: np.ndarray, scores: np.ndarray, sort: str
) -> np.ndarray | None:
    """The sort key (smaller first) before the newest-first tie-break; None for newest."""
    if sort == "relevance":
        return -scores[slots]
    if sort == "deadline":
        return index.column("deadline")[slots].astype(np.float64)  # none: sorts last
    if sort == "budget":
        high = index.column("high")[slots]
        return np.where(np.isnan(high), np.inf, -high)  # 面议 last
    return None


def _page_slots(
    index: SideIndex, slots: np.ndarray, scores: np.ndarray, sort: str, start: int, end: int
) -> np.ndarray:
    """The slots of one page in display order; ties fall back to newest, then highest id.

    Only what precedes the page's end is sorted: a partition (linear) finds it first, so
    page one of 100,000 listings costs a few milliseconds.
    """
    if start >= len(slots):
        return slots[:0]
    end = min(end, len(slots))
    rank = index.newest_rank()[slots]
    primary = _primary(index, slots, scores, sort)
    if primary is None:
        head = np.argpartition(rank, end - 1)[:end] if end < len(slots) else np.arange(len(slots))
        order = head[np.argsort(rank[head])]
    else:
        if end < len(slots):
            bound = np.partition(primary, end - 1)[end - 1]
            head = np.flatnonzero(primary <= bound)  # ties at the bound all compete
        else:
            head = np.arange(len(slots))
        order = head[np.lexsort((rank[head], primary[head]))]
    return slots[order[start:end]]


def search(side: str, filters: Filters, page: int, per_page: int) -> ResultPage:
    """One page of published listings matching the filters, in the chosen order."""
    filters = filters.for_side(side)
    orgs = _org_ids(filters, side)  # SQL first: the index lock is held only for numpy work
    cut = tokenizer(current_app)
    page = min(max(page, 1), MAX_PAGE)
    start = (page - 1) * per_page
    live = live_search(current_app)
    with live.lock:  # another thread may be applying the change feed to the same index
        index = live.current().indexes[side]
        terms = query_tokens(filters.q, cut, index.vocabulary()) if filters.q else ()
        mask = _mask(index, filters, side, date.today(), orgs)
        scores = np.zeros(index.size)
        if filters.q:
            required, scores = index.text_scores(terms) if terms else (mask & False, scores)
            mask &= required
        slots = np.flatnonzero(mask)
        shown = _page_slots(index, slots, scores, filters.effective_sort, start, start + per_page)
        ids = [int(i) for i in index.column("ids")[shown]]
    return ResultPage(_hits(side, ids, terms), len(slots), page, per_page, terms)


def _hits(side: str, ids: Sequence[int], terms: Sequence[str]) -> list[Hit]:
    """The rows of one page, in order, skipping any unpublished since the index was read."""
    if not ids:
        return []
    model = SIDES[side]
    options = [selectinload(model.organization), selectinload(model.tags)]
    if model is Capability:
        options.append(selectinload(Capability.domains))
    rows = {
        row.id: row
        for row in db.session.scalars(sa.select(model).where(model.id.in_(ids)).options(*options))
    }
    return [
        Hit(rows[i], highlight(rows[i].title, terms), snippet(_snippet_text(rows[i]), terms))
        for i in ids
        if i in rows and rows[i].is_published
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
        self.words: list[str] | None = None
        self.cache: dict[str, tuple[str, ...]] = {}

    def __call__(self, text: str) -> tuple[str, ...]:
        """The terms of one query (read the index only when some saved search has words)."""
        if not text:
            return ()
        if self.words is None:
            live = live_search(current_app)
            with live.lock:
                vocabulary = list(live.current().indexes[self.side].vocabulary())
            self.words = [*vocabulary, *self.record.title_tokens, *self.record.body_tokens]
        if text not in self.cache:
            self.cache[text] = query_tokens(text, tokenizer(current_app), self.words)
        return self.cache[text]


def index_listing(listing: Listing) -> Record:
    """Store a newly published listing's tokens; return its record (for saved searches)."""
    cut = tokenizer(current_app)
    store_document(db.session, listing, cut)
    return record_of(listing, cut)


def matches(
    filters: Filters, record: Record, listing: Listing, today: date, terms: Sequence[str]
) -> bool:
    """Whether one listing passes a search (terms: query_tokens of its q), as the index would."""
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
        return bool(terms) and all(record_has(record, t) for t in terms)
    return True


def _deadline_ok(filters: Filters, record: Record, today: date) -> bool:
    window = _deadline_window(filters, today)
    if window is None:
        return True
    deadline = record.deadline if record.deadline is not None else np.iinfo(np.int64).max
    return window[0] <= deadline <= window[1]


def _budget_ok(filters: Filters, record: Record) -> bool:
    if filters.budget_min is None and filters.budget_max is None:
        return True
    if record.budget_low is None or record.budget_high is None:
        return False
    if filters.budget_min is not None and record.budget_high < float(filters.budget_min):
        return False
    return filters.budget_max is None or record.budget_low <= float(filters.budget_max)


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
