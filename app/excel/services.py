"""Importing scenarios and capabilities from a spreadsheet: check every row, then insert in bulk.

Owners' rows become drafts of their own organisation. Administrators choose the organisation per
row (by name or USCC); their rows go to the review queue as pending (imports are data entry, the
review stays the gate to publication). A row whose organisation already has a listing imported
with the same normalised title is skipped ("已导入，跳过"), so re-importing a file is harmless.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from app import audit, clock, taxonomy
from app import listing_kinds as kinds
from app.excel.columns import ORG_COLUMN, Column, Kind, columns
from app.excel.reader import RawRow, read_rows
from app.extensions import db
from app.listing_kinds.documents import ORG_DISTRICT, ORG_LOCAL
from app.listing_kinds.fields import SCENARIO_RULES, budget_range_error, email_error
from app.matching import Listing
from app.models import Capability, ListingStatus, Organization, Role, Scenario, User
from app.models.base import utcnow
from app.models.listing import (
    ReferenceCase,
    capability_domains,
    capability_tags,
    scenario_tags,
)
from app.recommendations import provider
from app.validators import CONTROL_MESSAGE, has_control_chars, normalize_uscc, phone_error

_DATE_FORMATS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)
_TERM_SPLIT = re.compile(r"[、，,;；\s]+")


@dataclass
class RowCheck:
    """The outcome of checking one row: its values, or its problems by column."""

    number: int
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (column header, message)
    organization_id: int | None = None
    key: str = ""
    skipped: bool = False

    @property
    def title(self) -> str:
        """The row's title as typed (for the preview)."""
        return str(self.values.get("title") or "")

    @property
    def status(self) -> str:
        """'error', 'skip' (already imported) or 'ok'."""
        return "error" if self.problems else "skip" if self.skipped else "ok"


@dataclass
class Preview:
    """Every row of a file, checked."""

    kind: Kind
    rows: list[RowCheck]

    def count(self, status: str) -> int:
        """How many rows have this status."""
        return sum(1 for r in self.rows if r.status == status)

    @property
    def valid(self) -> list[RowCheck]:
        """The rows that would be imported."""
        return [r for r in self.rows if r.status == "ok"]

    @property
    def problems(self) -> list[RowCheck]:
        """The rows with at least one problem."""
        return [r for r in self.rows if r.problems]


def import_key(title: str) -> str:
    """A stable key for a title: width-, case- and whitespace-insensitive."""
    normal = re.sub(r"\s+", "", unicodedata.normalize("NFKC", title)).casefold()
    return hashlib.sha256(normal.encode()).hexdigest()


def check(data: bytes, kind: Kind, user: User) -> Preview:
    """Check every row of an uploaded file (FileRefused when the file itself is unusable)."""
    admin = user.role is Role.REVIEWER
    cols = columns(kind)
    required = {c.header for c in cols if c.key != "organization" and not c.header_optional}
    if admin:
        required.add(ORG_COLUMN.header)
    raw = read_rows(data, cols, required)
    rules = _Rules.load(kind)
    orgs = _OrgFinder.load(kind) if admin else None
    checks = [_check_row(row, cols, rules, orgs, user) for row in raw]
    _mark_duplicates(checks, kind)
    return Preview(kind, checks)


@dataclass
class _Rules:
    terms: dict[str, list[str]]
    today: date

    @classmethod
    def load(cls, kind: Kind) -> _Rules:
        kinds = {c.taxonomy for c in columns(kind) if c.taxonomy}
        return cls({k: taxonomy.names(k) for k in kinds}, clock.today())


@dataclass
class _OrgFinder:
    role: Role
    by_name: dict[str, Organization]
    by_uscc: dict[str, Organization]

    @classmethod
    def load(cls, kind: Kind) -> _OrgFinder:
        orgs = list(db.session.scalars(sa.select(Organization)))
        return cls(
            kinds.by_name(kind).owner_role,
            {o.name: o for o in orgs},
            {o.uscc: o for o in orgs if o.uscc},
        )

    def find(self, text: str) -> tuple[int | None, str | None]:
        org = self.by_name.get(text) or self.by_uscc.get(normalize_uscc(text))
        if org is None:
            return None, f"找不到单位“{text}”（请填写平台上已注册单位的全称或统一社会信用代码）。"
        if org.role is not self.role:
            return None, f"单位“{org.name}”是{org.role.label}，不能导入此类内容。"
        return org.id, None


def _check_row(
    row: RawRow, cols: tuple[Column, ...], rules: _Rules, orgs: _OrgFinder | None, user: User
) -> RowCheck:
    result = RowCheck(row.number)
    for column in cols:
        if column.key == "organization":
            continue
        if column.key in row.formulas:
            result.problems.append(
                (column.header, "是公式，请改为直接填写的值（复制后“选择性粘贴—数值”）。")
            )
            continue
        value, problem = _convert(column, row.cells.get(column.key), rules)
        if problem:
            result.problems.append((column.header, problem))
        result.values[column.key] = value
    _check_related(result)
    if orgs is None:
        result.organization_id = user.organization_id
    else:
        text = _text(row.cells.get("organization"))
        org_id, problem = orgs.find(text) if text else (None, "管理员导入时必须填写所属单位。")
        if problem:
            result.problems.append((ORG_COLUMN.header, problem))
        result.organization_id = org_id
    if result.title:
        result.key = import_key(result.title)
    return result


def _check_related(result: RowCheck) -> None:
    """Rules across two cells."""
    values = result.values
    phone = values.get("contact_phone")
    if phone and phone_error(phone):
        result.problems.append(("联系电话", phone_error(phone) or ""))
    budget_refused = any(
        column == SCENARIO_RULES["budget_wan"].label for column, _ in result.problems
    )
    if "budget_max_wan" in values and not budget_refused:
        problem = budget_range_error(values.get("budget_wan"), values["budget_max_wan"])
        if problem:
            result.problems.append((SCENARIO_RULES["budget_max_wan"].label, problem))
    if "case_client" in values and bool(values.get("case_client")) != bool(values.get("case_year")):
        result.problems.append(("案例年份", "案例客户和案例年份须同时填写或同时留空。"))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


def _convert(column: Column, value: Any, rules: _Rules) -> tuple[Any, str | None]:
    """The cell's value in the service's terms, or why it is refused."""
    empty = value is None or (isinstance(value, str) and not value)
    if empty:
        default: Any = [] if column.type == "terms" else "" if column.type in TEXTS else None
        return default, ("必填，不能为空。" if column.required else None)
    if isinstance(value, str) and has_control_chars(value):
        return None, CONTROL_MESSAGE  # never stored, nor echoed in the preview
    return CONVERTERS[column.type](column, value, rules)


def _as_text(column: Column, value: Any, _rules: _Rules) -> tuple[Any, str | None]:
    text = _text(value)
    if column.min_len and len(text) < column.min_len:
        return text, f"至少{column.min_len}个字（当前{len(text)}个字）。"
    if column.max_len and len(text) > column.max_len:
        return text, f"不能超过{column.max_len}个字（当前{len(text)}个字）。"
    return text, None


def _as_term(column: Column, value: Any, rules: _Rules) -> tuple[Any, str | None]:
    text = _text(value)
    allowed = rules.terms[column.taxonomy]
    if text not in allowed:
        return text, f"“{text}”不是可选值。可选值：{'、'.join(allowed)}。"
    return text, None


def _as_terms(column: Column, value: Any, rules: _Rules) -> tuple[Any, str | None]:
    items = list(dict.fromkeys(p for p in _TERM_SPLIT.split(_text(value)) if p))
    allowed = rules.terms[column.taxonomy]
    unknown = [p for p in items if p not in allowed]
    if unknown:
        names = "、".join(f"“{p}”" for p in unknown)
        return items, f"{names}不是可选值。可选值：{'、'.join(allowed)}。"
    if len(items) > column.max_items:
        return items, f"最多填写{column.max_items}项（当前{len(items)}项）。"
    return items, None


def _as_email(column: Column, value: Any, rules: _Rules) -> tuple[Any, str | None]:
    text, problem = _as_text(column, value, rules)
    return text, problem or email_error(text)


def _as_decimal(column: Column, value: Any, _rules: _Rules) -> tuple[Any, str | None]:
    if isinstance(value, bool):
        return None, "应为数字。"
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        return None, f"“{value}”不是数字。"
    if not amount.is_finite():
        return None, f"“{value}”不是数字。"
    problem = column.rule.range_error(amount) if column.rule else None
    if problem:
        return None, problem
    return amount.quantize(Decimal("0.01")), None


def _within(value: int, low: Any, high: Any) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def _as_year(column: Column, value: Any, _rules: _Rules) -> tuple[Any, str | None]:
    text = _text(value)
    low, high = (column.rule.minimum, column.rule.maximum) if column.rule else (None, None)
    if not (text.isascii() and text.isdigit()) or not _within(int(text[:5]), low, high):
        return None, f"“{text}”不是{low}至{high}之间的年份。"
    return int(text), None


def _as_date(_column: Column, value: Any, rules: _Rules) -> tuple[Any, str | None]:
    day = parse_date(value)
    if day is None:
        return (
            None,
            f"无法识别的日期“{_text(value)}”，请使用 2026-12-31、2026/12/31 或 2026年12月31日。",
        )
    if day < rules.today:
        return day, "截止日期不能早于今天。"
    return day, None


def parse_date(value: Any) -> date | None:
    """A date cell, or text in one of the three accepted forms; None otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    for pattern in _DATE_FORMATS:
        match = pattern.match(value.strip())
        if match:
            try:
                return date(*(int(g) for g in match.groups()))
            except ValueError:
                return None
    return None


TEXTS = ("text", "phone", "email")
CONVERTERS: dict[str, Callable[[Column, Any, _Rules], tuple[Any, str | None]]] = {
    "text": _as_text,
    "phone": _as_text,  # the number itself is checked with the row (_check_related)
    "email": _as_email,
    "term": _as_term,
    "terms": _as_terms,
    "decimal": _as_decimal,
    "year": _as_year,
    "date": _as_date,
}


def _mark_duplicates(checks: list[RowCheck], kind: Kind) -> None:
    """Skip rows imported before; refuse a title repeated within the file."""
    seen: dict[tuple[int | None, str], int] = {}
    for row in checks:
        if not row.key:
            continue
        first = seen.setdefault((row.organization_id, row.key), row.number)
        if first != row.number:
            row.problems.append((kinds.by_name(kind).rules["title"].label, f"与第{first}行重复。"))
    existing = _existing_keys(kind, {row.key for row in checks if row.key})
    for row in checks:
        if (row.organization_id, row.key) in existing:
            row.skipped = True


def _existing_keys(kind: Kind, keys: set[str]) -> set[tuple[int, str]]:
    model = kinds.by_name(kind).model
    found: set[tuple[int, str]] = set()
    ordered = sorted(keys)
    for start in range(0, len(ordered), 1000):  # bounded IN lists
        query = sa.select(model.organization_id, model.import_key).where(
            model.import_key.in_(ordered[start : start + 1000])
        )
        found.update((org, key) for org, key in db.session.execute(query) if key is not None)
    return found


@dataclass(frozen=True)
class ImportResult:
    """What an import did."""

    created: int
    skipped: int
    refused: int


def import_valid(
    preview: Preview, user: User, progress: Callable[[int, int, str], None] | None = None
) -> ImportResult:
    """Insert every valid row in bulk (flushed, not committed): all of them or, on error, none.

    The rows are tokenised first, before anything is written, and only then inserted: the
    transaction takes the database's write lock (SQLite has only one) for the inserts alone.
    """
    rows = preview.valid
    status = ListingStatus.PENDING if user.role is Role.REVIEWER else ListingStatus.DRAFT
    scenario = preview.kind == "scenario"
    engine = provider.engine()
    docs = _documents(preview.kind, rows)
    features = []
    for done, doc in enumerate(docs, start=1):
        features.append(engine.features(doc).to_json())
        if progress is not None and (done % CHUNK == 0 or done == len(docs)):
            progress(done, len(docs), "分词")
    insert = _insert_scenarios if scenario else _insert_capabilities
    ids: list[int] = []
    for start in range(0, len(rows), CHUNK):
        ids += insert(rows[start : start + CHUNK], status, features[start : start + CHUNK])
        if progress is not None:
            progress(min(start + CHUNK, len(rows)), len(rows), "写入")
    _audit(user, kinds.by_name(preview.kind).model.__tablename__, ids)
    return ImportResult(len(ids), preview.count("skip"), preview.count("error"))


CHUNK = 500


def _listing_row(row: RowCheck, status: ListingStatus, features: dict[str, Any]) -> dict[str, Any]:
    now = utcnow()
    return {
        "organization_id": row.organization_id,
        "title": row.values["title"],
        "description": row.values["description"],
        "status": status,
        "review_note": "",
        "close_reason": "",
        "submitted_at": now if status is ListingStatus.PENDING else None,
        "features": features,
        "import_key": row.key,
        "lock_version": 1,
        "created_at": now,
        "updated_at": now,
    }


def _documents(kind: Kind, rows: list[RowCheck]) -> list[Listing]:
    """The rows as the engine sees listings of the kind: the mapping the form's listings use."""
    spec = kinds.by_name(kind)
    lists = [c for c in columns(kind) if c.type == "terms"]
    terms = {c.taxonomy: taxonomy.lookup(c.taxonomy) for c in lists}
    org_ids = {r.organization_id for r in rows}
    orgs: dict[int | None, Organization] = {
        o.id: o
        for o in db.session.scalars(sa.select(Organization).where(Organization.id.in_(org_ids)))
    }
    docs = []
    for row in rows:
        org = orgs[row.organization_id]
        content = dict(row.values)
        content.update({c.key: _ordered(terms[c.taxonomy], row.values[c.key]) for c in lists})
        content.update({ORG_DISTRICT: org.district, ORG_LOCAL: org.is_local})
        docs.append(spec.document(content, "0"))
    return docs


SCENARIO_FIELDS = (
    "domain",
    "district",
    "needs",
    "expected",
    "budget_wan",
    "budget_max_wan",
    "opening_method",
    "deadline",
    "contact_name",
    "contact_phone",
    "contact_email",
)


def _insert_scenarios(
    rows: list[RowCheck], status: ListingStatus, features: list[dict[str, Any]]
) -> list[int]:
    tags = taxonomy.lookup("tag")
    params = [
        _listing_row(row, status, f) | {k: row.values[k] for k in SCENARIO_FIELDS}
        for row, f in zip(rows, features, strict=True)
    ]
    ids = _bulk_insert(Scenario, params)
    links = [
        {"scenario_id": sid, "term_id": tags[name].id}
        for sid, row in zip(ids, rows, strict=True)
        for name in row.values["tags"]
    ]
    _bulk(scenario_tags, links)
    return ids


CAPABILITY_FIELDS = ("cap_type", "maturity", "keywords", "qualifications")


def _insert_capabilities(
    rows: list[RowCheck], status: ListingStatus, features: list[dict[str, Any]]
) -> list[int]:
    tags, domains = taxonomy.lookup("tag"), taxonomy.lookup("domain")
    params = [
        _listing_row(row, status, f) | {k: row.values[k] for k in CAPABILITY_FIELDS}
        for row, f in zip(rows, features, strict=True)
    ]
    ids = _bulk_insert(Capability, params)
    pairs = list(zip(ids, rows, strict=True))
    _bulk(
        capability_tags,
        [{"capability_id": i, "term_id": tags[n].id} for i, r in pairs for n in r.values["tags"]],
    )
    _bulk(
        capability_domains,
        [
            {"capability_id": i, "term_id": domains[n].id}
            for i, r in pairs
            for n in r.values["domains"]
        ],
    )
    cases = [
        {
            "capability_id": i,
            "client": r.values["case_client"],
            "year": r.values["case_year"],
            "result": r.values["case_result"],
        }
        for i, r in pairs
        if r.values["case_client"]
    ]
    if cases:
        db.session.execute(sa.insert(ReferenceCase), cases)
    return ids


def _ordered(terms: dict[str, Any], wanted: Iterable[str]) -> list[str]:
    """Names in taxonomy order, as the relationship (ordered by position) would give them."""
    return sorted(wanted, key=lambda name: (terms[name].position, terms[name].id))


def _bulk_insert(
    model: type[Scenario] | type[Capability], params: list[dict[str, Any]]
) -> list[int]:
    # one INSERT … RETURNING for the chunk (insertmanyvalues), ids in parameter order
    query = sa.insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(db.session.scalars(query, params))


def _bulk(table: sa.Table, params: list[dict[str, Any]]) -> None:
    if params:
        db.session.execute(table.insert(), params)


def _audit(user: User, subject_type: str, ids: list[int]) -> None:
    audit.record_bulk(user, "import", subject_type, ids)
