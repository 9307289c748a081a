"""`python -m tooling.bench.lists`: list pages and search at 100,000 listings, on SQLite or PostgreSQL.

Builds a fresh database (a temporary SQLite file, or the PostgreSQL database named by
BENCH_DATABASE_URL, whose public schema, or the schema of its search_path option, is DROPPED
and rebuilt), bulk-inserts N scenarios and N capabilities made from the demo vocabulary, then
times list pages, filtered pages and searches through the Flask test client (wall clock and
time in the database) and writes docs/performance-lists.md. --reuse measures databases
generated before (--sqlite names the file), e.g.

    BENCH_DATABASE_URL='postgresql+psycopg://postgres@127.0.0.1:5432/test_search?options=-csearch_path%3Dbench' \
        python -m tooling.bench.lists --sqlite /tmp/bench.db --reuse
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from app import clock, create_app, taxonomy
from app.config import ROOT, TestConfig
from app.extensions import db
from app.matching import Tokenizer
from app.models import (
    Capability,
    ListingStatus,
    Organization,
    OrgStatus,
    Role,
    Scenario,
    SearchDocument,
)
from app.models.listing import capability_domains, capability_tags, scenario_tags
from app.models.org import organization_honours
from app.search.documents import document_row
from app.search.services import tokenizer
from app.validators import uscc_check_char

TARGET_MS = 200.0  # a page, wall clock
SQL_TARGET_MS = 10.0  # its time in the database
CHUNK = 5_000
SUFFIXES = ("", "一期", "二期", "试点", "升级改造", "扩容", "示范工程", "运维服务")
DEMO = ROOT / "seed" / "demo"


def _read(name: str) -> list[dict[str, Any]]:
    return json.loads((DEMO / name).read_text(encoding="utf-8"))


def _clauses(texts: Iterable[str]) -> list[str]:
    """Sentences of the demo texts, the pieces generated descriptions are made of."""
    out = []
    for text in texts:
        out += [part + "。" for part in text.replace("；", "。").split("。") if len(part) > 6]
    return out


class Cutter:
    """Tokens of generated texts; the pieces repeat, so each is cut once."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        self.tokenizer = tokenizer
        self.cache: dict[str, list[str]] = {}

    def __call__(self, parts: Iterable[str]) -> str:
        tokens: dict[str, None] = {}
        for part in parts:
            if part not in self.cache:
                self.cache[part] = self.tokenizer.tokens(part)
            tokens.update(dict.fromkeys(self.cache[part]))
        return " ".join(tokens)


def schema_of(url: str) -> str:
    """The schema a PostgreSQL URL works in: its search_path option (?options=-csearch_path%3Dx),
    else public."""
    options = sa.make_url(url).query.get("options", "")
    found = re.search(
        r"search_path=(\w+)", options if isinstance(options, str) else " ".join(options)
    )
    return found.group(1) if found else "public"


def reset_database(url: str) -> None:
    """An empty PostgreSQL schema (the URL's, see schema_of), or a new SQLite file."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    if url.startswith("postgresql"):
        schema = schema_of(url)
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()


def _insert(table: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        db.session.execute(sa.insert(table), rows[start : start + CHUNK])


def _orgs(rng: random.Random, count: int) -> tuple[list[int], list[int]]:
    """count publishers and count firms (a third honoured, four in five local)."""
    districts = taxonomy.names("district")
    rows = []
    for n in range(count * 2):
        firm = n % 2 == 1
        body = f"91370100{n + 1:09d}"
        rows.append(
            {
                "name": f"基准{'企业' if firm else '单位'}{n:05d}",
                "role": Role.FIRM if firm else Role.PUBLISHER,
                "kind": "民营企业" if firm else "政府部门",
                "uscc": body + uscc_check_char(body) if firm else None,
                "district": rng.choice(districts),
                "is_local": rng.random() < 0.8,
                "status": OrgStatus.APPROVED,
            }
        )
    _insert(Organization, rows)
    ids = db.session.execute(
        sa.select(Organization.id, Organization.role).order_by(Organization.id)
    ).all()
    publishers = [i for i, role in ids if role is Role.PUBLISHER]
    firms = [i for i, role in ids if role is Role.FIRM]
    honours = list(taxonomy.lookup("honour").values())
    links = [
        {"organization_id": firm, "term_id": rng.choice(honours).id}
        for firm in firms
        if rng.random() < 0.33
    ]
    _insert(organization_honours, links)
    return publishers, firms


def _when(rng: random.Random, now: datetime) -> datetime:
    return now - timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60))


def _scenarios(rng: random.Random, count: int, publishers: list[int], cut: Cutter) -> None:
    demo = _read("scenarios.json")
    clauses = _clauses(d["description"] for d in demo)
    districts = taxonomy.names("district")
    tags = taxonomy.lookup("tag")
    now, today = datetime.now(UTC), clock.today()
    rows, links, docs = [], [], []
    first = (db.session.scalar(sa.select(sa.func.max(Scenario.id))) or 0) + 1
    for n in range(count):
        base = demo[n % len(demo)]
        district = rng.choice(districts)
        title = f"{district}{base['title']}{rng.choice(SUFFIXES)}"[:100]
        parts = [*_clauses([base["description"]])[:3], rng.choice(clauses)]
        low = rng.choice([None, 20, 50, 100, 200, 300, 500, 800, 1000, 2000])
        high = low * 2 if low and rng.random() < 0.3 else None
        when = _when(rng, now)
        deadline = rng.choice([None, today + timedelta(days=rng.randrange(-60, 365))])
        # the daily expiry sweep (after midnight) has closed those past their deadline
        swept = deadline is not None and deadline < today
        rows.append(
            {
                "id": first + n,
                "organization_id": rng.choice(publishers),
                "title": title,
                "domain": base["domain"],
                "district": district,
                "description": "".join(parts),
                "needs": base.get("needs", ""),
                "expected": base.get("expected", ""),
                "budget_wan": low,
                "budget_max_wan": high,
                "opening_method": base["opening_method"],
                "deadline": deadline,
                "status": ListingStatus.EXPIRED if swept else ListingStatus.PUBLISHED,
                "submitted_at": when,
                "published_at": when,
            }
        )
        links += [{"scenario_id": first + n, "term_id": tags[t].id} for t in base["tags"]]
        if swept:
            continue  # search documents are kept for published listings only
        body = [*parts, base.get("needs", ""), base.get("expected", ""), base["domain"], district]
        tokens = cut([*body, base["opening_method"], *base["tags"]])
        docs.append(document_row("scenario", first + n, cut([title]), tokens))
    _insert(Scenario, rows)
    _insert(scenario_tags, links)
    _insert(SearchDocument, docs)


def _capabilities(rng: random.Random, count: int, firms: list[int], cut: Cutter) -> None:
    demo = _read("capabilities.json")
    clauses = _clauses(d["description"] for d in demo)
    tags, domains = taxonomy.lookup("tag"), taxonomy.lookup("domain")
    now = datetime.now(UTC)
    rows, tag_links, domain_links, docs = [], [], [], []
    first = (db.session.scalar(sa.select(sa.func.max(Capability.id))) or 0) + 1
    for n in range(count):
        base = demo[n % len(demo)]
        title = f"{base['title']}{rng.choice(SUFFIXES)}"[:100]
        parts = [*_clauses([base["description"]])[:3], rng.choice(clauses)]
        keywords = "、".join(base.get("keywords", []))
        when = _when(rng, now)
        listing_id = first + n
        rows.append(
            {
                "id": listing_id,
                "organization_id": rng.choice(firms),
                "title": title,
                "cap_type": base["type"],
                "maturity": base["maturity"],
                "description": "".join(parts),
                "keywords": keywords[:200],
                "qualifications": "、".join(base.get("qualifications", []))[:200],
                "status": ListingStatus.PUBLISHED,
                "submitted_at": when,
                "published_at": when,
            }
        )
        tag_links += [{"capability_id": listing_id, "term_id": tags[t].id} for t in base["tags"]]
        domain_links += [
            {"capability_id": listing_id, "term_id": domains[d].id} for d in base["domains"]
        ]
        body = [*parts, keywords, base["type"], base["maturity"], *base["tags"], *base["domains"]]
        docs.append(document_row("capability", listing_id, cut([title]), cut(body)))
    _insert(Capability, rows)
    _insert(capability_tags, tag_links)
    _insert(capability_domains, domain_links)
    _insert(SearchDocument, docs)


def generate(app: Flask, count: int, seed: int) -> dict[str, float]:
    """Bulk-insert the data set; return how long each step took."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    timings = {}
    with app.app_context():
        started = time.perf_counter()
        upgrade(directory=str(ROOT / "migrations"))
        taxonomy.load_taxonomy(ROOT / "seed" / "taxonomy.json")
        db.session.commit()
        cut = Cutter(tokenizer())
        publishers, firms = _orgs(rng, max(count // 100, 10))
        _scenarios(rng, count, publishers, cut)
        _capabilities(rng, count, firms, cut)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                # ids were inserted explicitly: move the sequences past them, or the next
                # listing created in this database would collide with a generated one
                for model in (Scenario, Capability):
                    sequence = sa.func.pg_get_serial_sequence(model.__tablename__, "id")
                    top = sa.select(sa.func.max(model.id)).scalar_subquery()
                    conn.execute(sa.select(sa.func.setval(sequence, top)))
                conn.commit()
                # VACUUM sets the visibility map (index-only scans), ANALYZE the statistics
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                    sa.text("VACUUM ANALYZE")
                )
        timings["generate_s"] = time.perf_counter() - started
    return timings


def _queries(rng: random.Random, app: Flask, count: int) -> list[str]:
    """Search words drawn from the demo titles, alone, in pairs, and with a filter."""
    with app.app_context():
        cut = tokenizer()
        words = sorted({t for d in _read("scenarios.json") for t in cut.tokens(d["title"])})
    domains = [d["domain"] for d in _read("scenarios.json")]
    out = []
    for n in range(count):
        q = rng.choice(words) if n % 3 else f"{rng.choice(words)} {rng.choice(words)}"
        extra = f"&domain={rng.choice(domains)}" if n % 4 == 0 else ""
        out.append(f"/scenarios?q={q}{extra}")
    return out


class SqlClock:
    """Time spent in the database and statements sent, per request (engine events)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.seconds = 0.0
        self.statements = 0
        self._started: list[float] = []
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, *_: Any) -> None:
        self._started.append(time.perf_counter())

    def _after(self, *_: Any) -> None:
        self.seconds += time.perf_counter() - self._started.pop()
        self.statements += 1

    def reset(self) -> None:
        """Start counting a new request."""
        self.seconds, self.statements = 0.0, 0


def _time(client: Any, path: str, clock: SqlClock) -> tuple[float, float, int]:
    """Wall-clock ms, database ms and statements of one request."""
    clock.reset()
    started = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    return elapsed, clock.seconds * 1000, clock.statements


def _p50_p95(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(int(len(ordered) * 0.95), len(ordered) - 1)]
    return statistics.median(ordered), p95


def _row(label: str, timings: list[tuple[float, float, int]]) -> tuple[Any, ...]:
    """label, wall p50 and p95, SQL p50 and p95, most statements of a request."""
    wall = _p50_p95([t[0] for t in timings])
    sql = _p50_p95([t[1] for t in timings])
    return (label, *wall, *sql, max(t[2] for t in timings))


def measure(app: Flask, repeat: int, queries: int, seed: int) -> dict[str, Any]:
    """p50/p95 of each page and of the searches: wall clock and time in the database."""
    client = app.test_client()
    with app.app_context():
        clock = SqlClock(db.engine)
        per_page = app.config["PAGE_SIZE"]
        total = db.session.scalar(sa.select(sa.func.count(Scenario.id))) or 0
    deep = max((total + per_page - 1) // per_page, 1)
    pages = {
        "场景清单 第1页（无查询）": "/scenarios",
        f"场景清单 第{deep // 2}页（中间页，最多跳过）": f"/scenarios?page={deep // 2}",
        f"场景清单 第{deep}页（最深页）": f"/scenarios?page={deep}",
        "能力清单 第1页": "/capabilities",
        "场景 领域+区县 筛选": "/scenarios?domain=智慧交通&district=历城区",
        "场景 技术方向+未截止+预算 筛选": "/scenarios?tag=人工智能&deadline=open&budget_min=100&budget_max=500",
        "场景 按截止日期排序": "/scenarios?sort=deadline&deadline=30",
        "场景 按预算排序 第50页": "/scenarios?sort=budget&page=50",
        "能力 本地企业+荣誉 筛选": "/capabilities?local=1&honour=专精特新",
        "能力 搜索“大模型”": "/capabilities?q=大模型",
    }
    rows = []
    for label, path in pages.items():
        _time(client, path, clock)  # warm the template and the query plan
        rows.append(_row(label, [_time(client, path, clock) for _ in range(repeat)]))
    searches = _queries(random.Random(seed), app, queries)  # noqa: S311 - test data
    for path in searches[:5]:
        _time(client, path, clock)  # the tokenizer's first cuts
    label = f"场景搜索（{len(searches)} 个查询）"
    rows.append(_row(label, [_time(client, path, clock) for path in searches]))
    return {"rows": rows, "deep_page": deep}


def _verdict(p95: float, sql_p95: float) -> str:
    return "✓" if p95 < TARGET_MS and sql_p95 < SQL_TARGET_MS else "✗"


def write_report(path: Path, runs: dict[str, dict[str, Any]]) -> None:
    """docs/performance-lists.md: one table per database, each figure against the target."""
    lines = [
        "# List pages and search at city scale",
        "",
        "Written by `python -m tooling.bench.lists` (see tooling/bench/lists.py). Per page: wall-clock",
        "milliseconds through the Flask test client (routing, search, SQL, template) and the",
        "milliseconds spent in the database (SQL statements, timed by engine events), p50 and",
        f"p95, against targets of {TARGET_MS:.0f} ms and {SQL_TARGET_MS:.0f} ms; the most SQL",
        "statements one request sent. The machine is shared: figures vary from run to run.",
        "",
        "How the pages stay fast: everything is answered by the database from indexes (see",
        'docs/architecture.md, "Search runs in the database", and app/search/): list orders',
        "walk an index and stop at the page, pages past the middle are read from the other end,",
        "unfiltered totals are counts the database keeps, search words are posting lists of a",
        "GIN index (PostgreSQL) or of FTS5 (SQLite) that also count the results, and relevance",
        "ranks levels (title or body, whole word or part) read newest first, a level at a time.",
        "",
        "What still costs: an exact total visits every matching row. A filter matching a",
        "quarter of the scenarios (a tag and a budget range: 25,000 rows) is counted row by row;",
        "PostgreSQL checks each match of a word for visibility in the table (a GIN index has no",
        "index-only scans), so a word found in most listings costs tens of milliseconds to count.",
        "",
    ]
    for name, run in runs.items():
        lines += [
            f"## {name}",
            "",
            f"- CPU cores: {os.cpu_count()}; scenarios: {run['scenarios']:,}; "
            f"capabilities: {run['capabilities']:,}; organisations: {run['organizations']:,}",
            f"- data generation and bulk insert: {run['generate_s']:.0f} s (0: reused)",
            "",
            "| page | p50 ms | p95 ms | SQL p50 ms | SQL p95 ms | statements | targets |",
            "| --- | ---: | ---: | ---: | ---: | ---: | :---: |",
        ]
        for label, p50, p95, sql50, sql95, count in run["rows"]:
            lines.append(
                f"| {label} | {p50:.0f} | {p95:.0f} | {sql50:.1f} | {sql95:.1f} | {count} "
                f"| {_verdict(p95, sql95)} |"
            )
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


def _holds_data(url: str) -> bool:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return bool(conn.execute(sa.text("SELECT count(*) FROM scenarios")).scalar())
    except sa.exc.DBAPIError:
        return False
    finally:
        engine.dispose()


def run_one(
    url: str, count: int, repeat: int, queries: int, seed: int, reuse: bool = False
) -> dict[str, Any]:
    """Generate (unless reusing a database generated before) and measure on one database."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    if reuse and _holds_data(url):
        timings = {"generate_s": 0.0}
    else:
        reset_database(url)
        timings = generate(app, count, seed)
    result = {**timings, **measure(app, repeat, queries, seed)}
    with app.app_context():
        result["scenarios"] = db.session.scalar(sa.select(sa.func.count(Scenario.id)))
        result["capabilities"] = db.session.scalar(sa.select(sa.func.count(Capability.id)))
        result["organizations"] = db.session.scalar(sa.select(sa.func.count(Organization.id)))
        db.engine.dispose()
    return result


def main(argv: list[str] | None = None, report: Callable[[str], None] = print) -> int:
    """Run the benchmark; return the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000, help="scenarios (and capabilities)")
    parser.add_argument("--repeat", type=int, default=20, help="timings per page")
    parser.add_argument("--queries", type=int, default=50, help="search queries")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance-lists.md")
    parser.add_argument("--sqlite", type=Path, help="SQLite file to use (default: a temporary one)")
    parser.add_argument(
        "--reuse", action="store_true", help="measure databases already generated, if any"
    )
    args = parser.parse_args(argv)
    runs = {}
    with tempfile.TemporaryDirectory() as tmp:
        urls = {"SQLite": f"sqlite:///{args.sqlite or Path(tmp) / 'bench.db'}"}
        if os.environ.get("BENCH_DATABASE_URL"):
            urls["PostgreSQL"] = os.environ["BENCH_DATABASE_URL"]
        for name, url in urls.items():
            report(f"{name}: generating {args.count:,} scenarios and capabilities …")
            runs[name] = run_one(url, args.count, args.repeat, args.queries, args.seed, args.reuse)
            for label, p50, p95, sql50, sql95, _ in runs[name]["rows"]:
                report(
                    f"  {label}: p50 {p50:.0f} ms, p95 {p95:.0f} ms; "
                    f"SQL p50 {sql50:.1f} ms, p95 {sql95:.1f} ms"
                )
    write_report(args.out, runs)
    report(f"wrote {args.out}")
    failed = [
        row[0] for run in runs.values() for row in run["rows"] if _verdict(row[2], row[4]) == "✗"
    ]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
