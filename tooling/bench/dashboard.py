"""`python -m tooling.bench.dashboard`: the dashboard at city scale, against the 500 ms target.

Bulk-generates organisations, 100,000 listings (scenarios and capabilities with tags and
domains), recommendations and 50,000 engagements (terminated ones with their last event) on
a fresh database, then times GET /dashboard and GET /review/dashboard through the Flask test
client (p50/p95 over repeated requests after warm-up) and each chart's query on its own.
Writes the figures into docs/performance-dashboard.md (one section per database kind).

SQLite (a temporary file) by default; PostgreSQL when BENCH_DATABASE_URL is set. A database
that already holds tables is refused unless --reset is given (its public schema is dropped).
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

from app import create_app, taxonomy
from app.config import ROOT, TestConfig
from app.extensions import db
from app.models import (
    Capability,
    Engagement,
    EngagementEvent,
    EngagementOrigin,
    EngagementStage,
    ListingStatus,
    Organization,
    OrgStatus,
    Recommendation,
    RecommendationStatus,
    Role,
    Scenario,
    TaxonomyTerm,
    User,
)
from app.models.listing import capability_domains, capability_tags, scenario_tags
from app.models.org import organization_honours
from app.security import sessions

TARGET_MS = 500.0
CHUNK = 5000
DOC = ROOT / "docs" / "performance-dashboard.md"
NOW = datetime(2026, 11, 1, tzinfo=UTC)
STAGES = [
    (EngagementStage.INTENT, 30),
    (EngagementStage.NEGOTIATING, 25),
    (EngagementStage.SIGNED, 15),
    (EngagementStage.LANDED, 12),
    (EngagementStage.TERMINATED, 18),
]


@dataclass(frozen=True)
class Sizes:
    """How much to generate."""

    listings: int
    engagements: int
    publishers: int
    firms: int
    recommendations: int

    @property
    def scenarios(self) -> int:
        """Two listings in five are scenarios."""
        return self.listings * 2 // 5

    @property
    def capabilities(self) -> int:
        """The rest are capabilities."""
        return self.listings - self.scenarios


@dataclass(frozen=True)
class Timing:
    """p50/p95/max of repeated measurements, in milliseconds."""

    label: str
    samples: tuple[float, ...]
    # this process's CPU time per sample: on SQLite (in-process) it is the work itself,
    # whatever the machine's load; on PostgreSQL the server's work is not in it
    cpu: tuple[float, ...] = ()

    @property
    def cpu_p50(self) -> float | None:
        """The median CPU time, when measured."""
        return statistics.median(self.cpu) if self.cpu else None

    @property
    def p50(self) -> float:
        """The median."""
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        """The 95th percentile (nearest rank)."""
        ordered = sorted(self.samples)
        return ordered[max(0, round(0.95 * len(ordered)) - 1)]


# ---------------------------------------------------------------- data generation


def _insert(table: sa.Table, rows: Iterable[dict[str, Any]]) -> int:
    """Insert rows in chunks (executemany); returns how many."""
    batch: list[dict[str, Any]] = []
    count = 0
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            db.session.execute(table.insert(), batch)
            count += len(batch)
            batch = []
    if batch:
        db.session.execute(table.insert(), batch)
        count += len(batch)
    return count


def _term_ids(kind: str) -> list[int]:
    query = sa.select(TaxonomyTerm.id).where(TaxonomyTerm.kind == kind).order_by(TaxonomyTerm.id)
    return list(db.session.scalars(query))


def _uscc(n: int) -> str:
    from app.validators import uscc_check_char

    body = f"91370100{n:09d}"
    return body + uscc_check_char(body)


def _orgs(rng: random.Random, sizes: Sizes) -> tuple[list[int], list[int]]:
    districts = taxonomy.names("district")
    chains = taxonomy.names("industry_chain")
    rows = []
    for i in range(sizes.publishers):
        rows.append(_org(f"基准发布单位{i}", Role.PUBLISHER, rng.choice(districts), None, None))
    for i in range(sizes.firms):
        local = rng.random() < 0.75
        rows.append(
            _org(f"基准企业{i}", Role.FIRM, rng.choice(districts), rng.choice(chains), _uscc(i))
            | {"is_local": local}
        )
    _insert(Organization.__table__, rows)
    ids = dict(db.session.execute(sa.select(Organization.name, Organization.id)).all())
    publishers = [ids[f"基准发布单位{i}"] for i in range(sizes.publishers)]
    firms = [ids[f"基准企业{i}"] for i in range(sizes.firms)]
    honours = _term_ids("honour")
    _insert(
        organization_honours,
        (
            {"organization_id": f, "term_id": t}
            for f in firms
            if rng.random() < 0.3
            for t in rng.sample(honours, rng.randint(1, 2))
        ),
    )
    return publishers, firms


def _org(name: str, role: Role, district: str, chain: str | None, uscc: str | None) -> dict:
    return {
        "name": name,
        "role": role,
        "kind": "民营企业" if role is Role.FIRM else "政府部门",
        "uscc": uscc,
        "district": district,
        "is_local": True,
        "industry_chain": chain,
        "status": OrgStatus.APPROVED,
        "created_at": NOW,
        "updated_at": NOW,
    }


def _status(rng: random.Random) -> tuple[ListingStatus, datetime | None]:
    """80% published, 8% closed or expired (published before), 12% never published."""
    roll = rng.random()
    published = NOW - timedelta(days=rng.uniform(0, 3 * 365))
    if roll < 0.80:
        return ListingStatus.PUBLISHED, published
    if roll < 0.88:
        return rng.choice([ListingStatus.CLOSED, ListingStatus.EXPIRED]), published
    return rng.choice([ListingStatus.DRAFT, ListingStatus.PENDING, ListingStatus.REJECTED]), None


def _listings(
    rng: random.Random, model: type[Scenario] | type[Capability], n: int, owners: list[int]
) -> list[tuple[int, datetime | None, ListingStatus]]:
    domains = taxonomy.names("domain")
    districts = taxonomy.names("district")
    rows = []
    for i in range(n):
        status, published = _status(rng)
        row: dict[str, Any] = {
            "title": f"基准{'场景' if model is Scenario else '能力'}{i}",
            "description": "城市数字化应用的基准测试数据。",
            "status": status,
            "published_at": published,
            "submitted_at": published,
            "organization_id": rng.choice(owners),
            "created_at": published or NOW,
            "updated_at": published or NOW,
        }
        if model is Scenario:
            row |= {
                "domain": rng.choice(domains),
                "district": rng.choice(districts),
                "opening_method": "揭榜挂帅",
                "budget_wan": Decimal(rng.randint(10, 2000)),
            }
        else:
            row |= {"cap_type": "产品", "maturity": "规模应用"}
        rows.append(row)
    _insert(model.__table__, rows)
    query = sa.select(model.id, model.published_at, model.status).order_by(model.id)
    return [tuple(r) for r in db.session.execute(query)]  # type: ignore[misc]


def _links(
    rng: random.Random, table: sa.Table, owner: str, ids: list[int], terms: list[int], most: int
) -> None:
    _insert(
        table,
        (
            {f"{owner}_id": i, "term_id": t}
            for i in ids
            for t in rng.sample(terms, rng.randint(1, most))
        ),
    )


def _recommendations(
    rng: random.Random, n: int, scenarios: list[int], capabilities: list[int], admin_id: int
) -> None:
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < n:
        pairs.add((rng.choice(scenarios), rng.choice(capabilities)))
    rows = []
    for s, c in pairs:
        status = rng.choices(list(RecommendationStatus), weights=[30, 50, 20])[0]
        decided = status is not RecommendationStatus.PENDING
        rows.append(
            {
                "scenario_id": s,
                "capability_id": c,
                "score": rng.random(),
                "terms": [],
                "signals": {},
                "explanation": {},
                "status": status,
                "reviewer_id": admin_id if decided else None,
                "reviewed_at": NOW if decided else None,
                "review_note": "与场景需求不符" if status is RecommendationStatus.REJECTED else "",
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
    _insert(Recommendation.__table__, rows)


def _engagements(
    rng: random.Random, n: int, scenarios: list[tuple[int, datetime]], firms: list[int]
) -> None:
    pairs: set[tuple[int, int]] = set()
    rows = []
    stages, weights = zip(*STAGES, strict=True)
    while len(rows) < n:
        scenario_id, published = rng.choice(scenarios)
        firm_id = rng.choice(firms)
        if (scenario_id, firm_id) in pairs:
            continue
        pairs.add((scenario_id, firm_id))
        stage = rng.choices(stages, weights=weights)[0]
        created = published + timedelta(days=rng.expovariate(1 / 20))
        row = _engagement_row(rng, scenario_id, firm_id, stage, created)
        rows.append(row)
    _insert(Engagement.__table__, rows)
    ended = db.session.execute(
        sa.select(Engagement.id, Engagement.created_at).where(
            Engagement.stage == EngagementStage.TERMINATED
        )
    )
    _insert(
        EngagementEvent.__table__,
        (
            {
                "engagement_id": eid,
                "from_stage": rng.choice([EngagementStage.INTENT, EngagementStage.NEGOTIATING]),
                "to_stage": EngagementStage.TERMINATED,
                "note": "需求调整",
                "created_at": created,
            }
            for eid, created in ended
        ),
    )


def _engagement_row(
    rng: random.Random, scenario_id: int, firm_id: int, stage: EngagementStage, created: datetime
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "scenario_id": scenario_id,
        "firm_id": firm_id,
        "origin": rng.choice(list(EngagementOrigin)),
        "stage": stage,
        "proposal": "",
        "shortlisted": False,
        "result_summary": "",
        "end_reason": "需求调整" if stage is EngagementStage.TERMINATED else "",
        "lock_version": 1,
        "created_at": created,
        "updated_at": created,
        # executemany takes its columns from the first row: every row has every key
        "contract_amount_wan": None,
        "contract_date": None,
        "golive_date": None,
    }
    if stage in (EngagementStage.SIGNED, EngagementStage.LANDED):
        signed = (created + timedelta(days=rng.randint(20, 120))).date()
        row |= {
            "contract_amount_wan": Decimal(rng.randint(5, 3000)),
            "contract_date": signed,
        }
        if stage is EngagementStage.LANDED:
            row["golive_date"] = signed + timedelta(days=rng.randint(30, 180))
    return row


def generate(sizes: Sizes, seed: int = 7) -> int:
    """Fill the database; returns the administrator's user id."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    taxonomy.load_taxonomy(ROOT / "seed" / "taxonomy.json")
    publishers, firms = _orgs(rng, sizes)
    admin = User(email="bench-admin@example.com", name="基准管理员", role=Role.REVIEWER)
    admin.set_password(secrets.token_urlsafe())  # the bench signs in through the session
    db.session.add(admin)
    db.session.flush()
    scenarios = _listings(rng, Scenario, sizes.scenarios, publishers)
    capabilities = _listings(rng, Capability, sizes.capabilities, firms)
    tags, domains = _term_ids("tag"), _term_ids("domain")
    _links(rng, scenario_tags, "scenario", [s[0] for s in scenarios], tags, 3)
    _links(rng, capability_tags, "capability", [c[0] for c in capabilities], tags, 3)
    _links(rng, capability_domains, "capability", [c[0] for c in capabilities], domains, 2)
    published_caps = [c[0] for c in capabilities if c[2] is ListingStatus.PUBLISHED]
    _recommendations(
        rng, sizes.recommendations, [s[0] for s in scenarios], published_caps, admin.id
    )
    engageable = [(s[0], s[1]) for s in scenarios if s[1] is not None]
    _engagements(rng, sizes.engagements, engageable, firms)
    db.session.commit()
    return admin.id


# ---------------------------------------------------------------- timing


def time_requests(app: Flask, url: str, user_id: int | None, repeat: int, warmup: int) -> Timing:
    """Milliseconds per GET over `repeat` requests after `warmup` ones."""
    client = app.test_client()
    if user_id is not None:
        with app.app_context():  # a real server-side session, as sign-in creates
            token = sessions.create_record(db.session.get(User, user_id))
            db.session.commit()
        with client.session_transaction() as session:
            session[sessions.TOKEN_KEY] = token
            session["_user_id"] = str(user_id)
            session["_fresh"] = True
    samples, cpu = [], []
    for i in range(warmup + repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        elapsed = (time.perf_counter() - start) * 1000
        used = (time.process_time() - start_cpu) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        if i >= warmup:
            samples.append(elapsed)
            cpu.append(used)
    return Timing(url, tuple(samples), tuple(cpu))


def time_charts(app: Flask, repeat: int) -> list[Timing]:
    """Each chart's and the summary's queries on their own."""
    from app.dashboard import assemble, headline, median_days

    builders: dict[str, Callable[[], object]] = {
        "summary": headline.summary,
        "median (portable)": median_days.median_days_portable,
        **assemble.PUBLIC_CHARTS,
        **assemble.PRIVATE_CHARTS,
    }
    timings = []
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            builders["median (percentile_cont)"] = median_days.median_days_percentile_cont
        for label, build in builders.items():
            samples = []
            for _ in range(repeat):
                start = time.perf_counter()
                build()
                samples.append((time.perf_counter() - start) * 1000)
            timings.append(Timing(label, tuple(samples)))
    return timings


def row_counts() -> dict[str, int]:
    """Rows per table that the dashboard reads."""
    tables = [
        "organizations", "scenarios", "capabilities", "scenario_tags", "capability_tags",
        "capability_domains", "recommendations", "engagements", "engagement_events",
    ]  # fmt: skip
    return {
        t: int(db.session.scalar(sa.select(sa.func.count()).select_from(sa.table(t))) or 0)
        for t in tables
    }


# ---------------------------------------------------------------- report


def render(
    kind: str,
    counts: dict[str, int],
    pages: Sequence[Timing],
    charts: Sequence[Timing],
    load_s: float,
    loads: tuple[tuple[float, ...], tuple[float, ...]],
    workers: int = 1,
) -> str:
    """The database's section of docs/performance-dashboard.md."""
    lines = [
        f"<!-- bench:{kind} -->",
        f"## {kind}",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores "
        f"(Python {sys.version.split()[0]}, SQLAlchemy {sa.__version__}); "
        f"data generated and loaded in {load_s:.0f} s. Load average (1/5/15 min) "
        f"{'/'.join(f'{x:.1f}' for x in loads[0])} before timing, "
        f"{'/'.join(f'{x:.1f}' for x in loads[1])} after: the machine is shared, so "
        "figures above a load of about the core count are inflated by waiting for a CPU. "
        f"A computed dashboard runs its queries on {workers} connection(s) at once "
        "(`DASHBOARD_WORKERS`).",
        "",
        "| table | rows |",
        "| --- | ---: |",
        *(f"| {t} | {n:,} |" for t, n in counts.items()),
        "",
        f"| page | requests | p50 ms | p95 ms | max ms | CPU p50 ms | target {TARGET_MS:.0f} ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
        *(
            f"| GET {t.label} | {len(t.samples)} | {t.p50:.0f} | {t.p95:.0f} | "
            f"{max(t.samples):.0f} | {t.cpu_p50:.0f} | "
            f"{'met' if t.p95 <= TARGET_MS else 'MISSED'} (p95) |"
            for t in pages
        ),
        "",
        "CPU: this process's CPU time per request (Flask, SQLAlchemy and, on SQLite, the database"
        " engine itself); the wall time minus it is waiting, for a CPU or for PostgreSQL.",
        "",
        "| query (one chart, no HTTP) | p50 ms | p95 ms |",
        "| --- | ---: | ---: |",
        *(f"| {t.label} | {t.p50:.1f} | {t.p95:.1f} |" for t in charts),
        f"<!-- /bench:{kind} -->",
    ]
    return "\n".join(lines)


HEADER = """# Dashboard performance

Generated by `make bench` (`python -m tooling.bench.dashboard`; PostgreSQL with
`BENCH_DATABASE_URL=postgresql+psycopg://… python -m tooling.bench.dashboard --reset`); each run
replaces its database's section. Do not edit the sections by hand.

**Method.** A fresh database is built by the migrations and filled in bulk (executemany,
5,000 rows a batch) with a fixed random seed: 300 publishers and 3,000 firms (75% local, 30%
with honours), 100,000 listings (40% scenarios, 60% capabilities; 80% published, 8% closed or
expired, 12% never published; 1–3 technology tags each, 1–2 domains per capability; publication
dates over three years), 30,000 recommendations (30% pending, 50% approved, 20% rejected) and
50,000 engagements on published scenarios (30% 意向, 25% 洽谈中, 15% 已签约, 12% 已落地, 18%
已终止 with its termination event; first contact an exponential 20 days on average after
publication). The database is then analysed (`ANALYZE`; `VACUUM ANALYZE` on PostgreSQL, as
autovacuum would). Each page is requested through the Flask test client (the full stack: access
gate, session, every query, template rendering) a few times to warm up, then timed, twice:
with every request computing every figure by SQL aggregation
(`DASHBOARD_CACHE_SECONDS=0`, the worst case, and what the target is checked against; the
summary and charts run concurrently on `DASHBOARD_WORKERS` connections, 2 by default), and as
served by default, where each process recomputes a dashboard at most once a minute, in the
background while the expired copy is still served (only a process's first request waits). Each chart's queries are also timed alone.
"""


def write_doc(section: str, kind: str, path: Path = DOC) -> None:
    """Replace this database kind's section of the report, keeping the others."""
    text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    start, end = f"<!-- bench:{kind} -->", f"<!-- /bench:{kind} -->"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1]
        text = before + section + after
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


# ---------------------------------------------------------------- entry point


def _prepare(url: str, reset: bool) -> Flask:
    from flask_migrate import upgrade

    engine = sa.create_engine(url)
    has_tables = bool(sa.inspect(engine).get_table_names())
    if has_tables:
        if not reset:
            engine.dispose()
            raise SystemExit(f"{url} already holds tables: pass --reset to drop them")
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
            else:
                raise SystemExit("--reset drops PostgreSQL schemas only; remove the file instead")
    engine.dispose()
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    return app


def _analyze() -> None:
    """Planner statistics (and PostgreSQL's visibility map, for index-only scans)."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    else:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m tooling.bench.dashboard", description=__doc__)
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--engagements", type=int, default=50_000)
    parser.add_argument("--recommendations", type=int, default=30_000)
    parser.add_argument("--firms", type=int, default=3_000)
    parser.add_argument("--publishers", type=int, default=300)
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--reset", action="store_true", help="drop an existing PostgreSQL schema")
    parser.add_argument("--no-doc", action="store_true", help="print only, do not write docs/")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when a computed page misses the target"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Generate, time, report."""
    args = parse_args(argv)
    sizes = Sizes(
        args.listings, args.engagements, args.publishers, args.firms, args.recommendations
    )
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench-dashboard.db"
        app = _prepare(url, args.reset)
        with app.app_context():
            kind = db.engine.dialect.name
            started = time.perf_counter()
            admin_id = generate(sizes)
            db.session.commit()
            _analyze()
            load_s = time.perf_counter() - started
            counts = row_counts()
            db.session.remove()
        load_before = os.getloadavg()
        cached = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, DASHBOARD_CACHE_SECONDS=60)
        pages = []
        for application, mode in ((app, "computed"), (cached, "60 s cache")):
            for url_path, user in (("/dashboard", None), ("/review/dashboard", admin_id)):
                timing = time_requests(application, url_path, user, args.requests, args.warmup)
                pages.append(Timing(f"{url_path} ({mode})", timing.samples, timing.cpu))
        charts = time_charts(app, max(3, args.requests // 4))
        loads = (load_before, os.getloadavg())
        workers = app.config["DASHBOARD_WORKERS"]
        section = render(kind, counts, pages, charts, load_s, loads, workers)
        for application in (app, cached):
            with application.app_context():
                db.engine.dispose()
    print(section)
    if not args.no_doc:
        write_doc(section, kind)
    missed = [t.label for t in pages if "computed" in t.label and t.p95 > TARGET_MS]
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
