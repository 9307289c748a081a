"""`python -m tooling.bench.web`: the pages through real HTTP under gunicorn, at city scale.

For each database (PostgreSQL with Redis, as in production; SQLite, the embedded database,
without Redis): 100,000 scenarios and 100,000 capabilities (the matching benchmark's synthetic
listings, tooling/bench/matching_service.py), re-tokenised over every core and built into an index
artifact; then a matching process and the web tier are started as they are deployed
(deploy/gunicorn-matching.conf.py, deploy/gunicorn.conf.py) and wrk loads each page for a few
seconds. A hello-world Flask app under the same gunicorn settings, measured in the same run,
is the ceiling. Written to docs/performance-web.md.

    python -m tooling.bench.web --postgresql postgresql+psycopg://postgres@127.0.0.1:5432/bench_web \\
        --sqlite /tmp/bench-web.db [--reuse]

The PostgreSQL database's schema and the SQLite file are DROPPED and rebuilt (unless --reuse).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import sqlalchemy as sa

from app.config import ROOT
from tooling.bench import http
from tooling.bench.matching_service import SECRET, machine, rss_mib, run_step

DOC = ROOT / "docs" / "performance-web.md"
PASSWORD = "Bench-web-2026!"  # noqa: S105 -- the bench accounts' password
WEB_PORT, HELLO_PORT, MATCHING_PORT = 8090, 8091, 8092
REDIS_URL = "redis://127.0.0.1:6379/12"
TARGET_SHARE = 0.25  # of the hello-world rate: home, list and search pages
TARGET_P99_MS = 100.0
SEARCH_WORDS = ("智能", "平台", "监测", "医保", "交通信号", "大数据", "预警", "巡检", "数字孪生")


def accounts(url: str) -> dict[str, Any]:
    """A publisher account owning a scenario, and a pending capability to publish later."""
    from werkzeug.security import generate_password_hash

    from app.extensions import db
    from app.models import Capability, ListingStatus, Role, Scenario, User
    from app.recommendations.documents import store_features
    from app.recommendations.live import live
    from tooling.bench.matching_service import bench_app

    app = bench_app(url)
    with app.app_context():
        scenario = db.session.scalar(
            sa.select(Scenario)
            .where(Scenario.status == ListingStatus.PUBLISHED)
            .order_by(Scenario.id)
            .limit(1)
        )
        email = "bench-publisher@example.com"
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            user = User(
                email=email,
                name="基准发布人",
                role=Role.PUBLISHER,
                organization_id=scenario.organization_id,
                password_hash=generate_password_hash(PASSWORD),
            )
            db.session.add(user)
        firm = db.session.scalar(
            sa.select(Capability.organization_id).order_by(Capability.id).limit(1)
        )
        pending = Capability(
            organization_id=firm,
            title="基准新发布：城市内涝积水点物联网监测预警平台",
            cap_type="产品",
            maturity="规模应用",
            description="城市内涝积水点液位传感与视频监测，超警戒自动预警，联动排水调度。",
            keywords="内涝、积水点、液位监测",
            status=ListingStatus.PENDING,
        )
        db.session.add(pending)
        db.session.flush()
        store_features(pending, live(app).engine())
        db.session.commit()
        admin_email = "bench-admin@example.com"
        if db.session.scalar(sa.select(User.id).where(User.email == admin_email)) is None:
            db.session.add(
                User(
                    email=admin_email,
                    name="基准管理员",
                    role=Role.REVIEWER,
                    password_hash=generate_password_hash(PASSWORD),
                )
            )
        db.session.commit()
        found = {
            "scenario": scenario.id,
            "email": email,
            "admin": admin_email,
            "pending": pending.id,
        }
        db.engine.dispose()
    return found


def sign_in(base: str, email: str) -> str:
    """The session cookie of a signed-in browser."""
    with httpx.Client(base_url=base, timeout=30) as browser:
        page = browser.get("/auth/login").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        if token is None:
            raise RuntimeError("the login page has no CSRF token")
        answer = browser.post(
            "/auth/login", data={"email": email, "password": PASSWORD, "csrf_token": token[1]}
        )
        if answer.status_code != 302:
            raise RuntimeError(f"signing in failed: {answer.text[:500]}")
        return f"session={browser.cookies['session']}"


def environment(url: str, redis: bool) -> dict[str, str]:
    """The services' environment: production-like settings on the bench database."""
    env = {
        **os.environ,
        "APP_ENV": "development",  # plain HTTP on the loopback: cookies without Secure
        "SECRET_KEY": SECRET,
        "DATABASE_URL": url,
        "MATCHING_URL": f"http://127.0.0.1:{MATCHING_PORT}",
        "MATCHING_BIND": f"127.0.0.1:{MATCHING_PORT}",
        "MATCHING_ACCESS_LOG": "/dev/null",
        "LOG_LEVEL": "warning",
    }
    env.pop("REDIS_URL", None)
    if redis:
        env["REDIS_URL"] = REDIS_URL
    return env


def pages(world: dict[str, Any], rng: random.Random, listings: int) -> dict[str, list[str]]:
    """The URLs of each page type: one URL, or many (every request a different page)."""
    district, domain = quote("历城区"), quote("智慧交通")
    last = max(listings // 12, 1)  # list pages of 12
    return {
        "home": ["/"],
        "list": ["/scenarios"],
        f"deep list (page {last // 2:,})": [f"/scenarios?page={last // 2}"],
        "filtered": [f"/scenarios?domain={domain}&district={district}"],
        "search": [f"/scenarios?q={quote('智能监测')}"],
        "detail": [f"/scenarios/{world['scenario'] + 17}"],
        "recommendations (signed in)": [f"/scenarios/{world['scenario']}"],
        "recommendations (signed in), one request at a time": [f"/scenarios/{world['scenario']}"],
        f"varied lists (pages 1–{last:,})": [
            f"/scenarios?page={rng.randint(1, last)}" for _ in range(2000)
        ],
        "varied searches": [
            f"/{side}?q={quote(word)}&page={rng.randint(1, 5)}"
            for side in ("scenarios", "capabilities")
            for word in SEARCH_WORDS
        ],
        "varied details": [f"/capabilities/{rng.randint(1, listings)}" for _ in range(2000)],
    }


def load_pages(
    base: str, urls: dict[str, list[str]], cookie: str, seconds: int, connections: int
) -> list[http.Load]:
    """wrk against each page type (the signed-in ones with the session cookie)."""
    results = []
    scripts = Path(tempfile.mkdtemp(prefix="bench-web-"))
    for name, paths in urls.items():
        time.sleep(2)  # the previous run's last requests are answered first
        signed = "signed in" in name
        clients = 1 if "one request at a time" in name else connections
        if len(paths) == 1 and not signed:
            results.append(http.wrk(name, base + paths[0], seconds, clients))
            continue
        script = scripts / f"{len(results)}.lua"
        script.write_text(http.lua_paths(paths, cookie if signed else None), encoding="utf-8")
        results.append(http.wrk(name, base + paths[0], seconds, clients, script=script))
    return results


def freshness(base: str, world: dict[str, Any], url: str) -> dict[str, float]:
    """Seconds from an approval's commit until search (on the web tier) and recommendations
    (on the matching process) show the newly published capability."""
    from app.extensions import db
    from app.listings import services as listings
    from app.models import Capability, User
    from tooling.bench.matching_service import bench_app

    # as a web worker of the deployment: the publication job asks the matching process
    app = bench_app(
        url,
        MATCHING_URL=f"http://127.0.0.1:{MATCHING_PORT}",
        JOBS_MODE="thread",
        JOBS_LOCAL_SCHEDULER=False,
    )
    with app.app_context():
        admin = db.session.scalar(sa.select(User).where(User.email == world["admin"]))
        listings.approve(admin, db.session.get(Capability, world["pending"]))
        db.session.commit()
        approved = time.perf_counter()
        db.engine.dispose()
    title = "城市内涝积水点物联网监测预警平台"
    need = {
        "side": "scenario",
        "top": 10,
        "listing": {"id": "q", "title": "城市内涝积水点监测预警", "description": "内涝积水点液位"},
    }
    checks = {
        "search": lambda: (
            title in httpx.get(f"{base}/capabilities?q={quote('内涝积水点')}", timeout=30).text
        ),
        "recommendations": lambda: (
            str(world["pending"])
            in [
                m["id"]
                for m in httpx.post(
                    f"http://127.0.0.1:{MATCHING_PORT}/v1/recommend", json=need, timeout=30
                ).json()["matches"]
            ]
        ),
    }
    found: dict[str, float] = {}
    while len(found) < len(checks) and time.perf_counter() - approved < 30:
        for name, check in checks.items():
            if name not in found and check():
                found[name] = round(time.perf_counter() - approved, 2)
        time.sleep(0.1)
    return found


def start_time(env: dict[str, str]) -> dict[str, float]:
    """A fresh one-worker web tier: seconds to its first home page and to its first search
    (jieba's dictionary is loaded on first use), and the worker's memory after both."""
    server = http.serve_web("app.wsgi:app", WEB_PORT + 10, env, workers=1)
    base = f"http://127.0.0.1:{WEB_PORT + 10}"
    try:
        first = http.wait_until_ok(base + "/")
        started = time.perf_counter()
        http.wait_until_ok(base + "/scenarios?q=" + quote("智能监测"))
        search = time.perf_counter() - started
        [worker] = server.workers()
        return {
            "first_page_s": round(first, 2),
            "first_search_s": round(search, 2),
            "rss_mib": round(rss_mib(worker)),
        }
    finally:
        server.stop()


def settle(url: str) -> None:
    """What a deployment does by itself within minutes of bulk writes, done now: the
    scheduler's `search.compact_counts` folds the published counts' change rows (one per
    generated listing) into one row per side; PostgreSQL's autovacuum (off on the test
    servers) marks the rewritten pages all-visible, so list pages read their index alone, and
    refreshes the planner's statistics; SQLite's ANALYZE."""
    from app.extensions import db
    from app.search.documents import SIDES
    from app.search.jobs import compact
    from tooling.bench.matching_service import bench_app

    with bench_app(url).app_context():
        for side in SIDES:
            compact(side)
        db.session.commit()
        db.engine.dispose()
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(
                "VACUUM ANALYZE" if url.startswith("postgresql") else "ANALYZE"
            )
    finally:
        engine.dispose()


def bench_database(label: str, url: str, redis: bool, args: argparse.Namespace) -> dict[str, Any]:
    """Everything measured on one database."""
    result: dict[str, Any] = {"label": label}
    if not args.reuse:
        count = args.listings
        result["generate"] = run_step(
            "generate", url=url, capabilities=count, scenarios=count, seed=1
        )
        result["refeaturize"] = run_step("refeaturize", url=url)
        result["build"] = run_step("build", url=url)
    settle(url)
    world = accounts(url)
    env = environment(url, redis)
    if redis:
        import redis as redis_client

        redis_client.Redis.from_url(REDIS_URL).flushdb()
    matching = http.serve_matching(MATCHING_PORT, env)
    hello = http.serve_web("tooling.bench.hello:app", HELLO_PORT, env)
    try:
        result["matching_ready_s"] = round(
            http.wait_until_ok(f"http://127.0.0.1:{MATCHING_PORT}/readyz"), 1
        )
        result["matching_rss_mib"] = round(rss_mib(matching.workers()[0]))
        result["start"] = start_time(env)
        web = http.serve_web("app.wsgi:app", WEB_PORT, env)
        base = f"http://127.0.0.1:{WEB_PORT}"
        try:
            http.wait_until_ok(base + "/")
            cookie = sign_in(base, world["email"])
            urls = pages(world, random.Random(7), args.listings)  # noqa: S311 -- reproducible
            for paths in urls.values():  # each worker warms up (first search loads jieba)
                for path in paths[:3]:
                    for _ in range(6):
                        httpx.get(base + path, timeout=60, headers={"Cookie": cookie})
            result["ceiling"] = asdict(
                http.wrk("hello world", f"http://127.0.0.1:{HELLO_PORT}/", args.seconds, args.c)
            )
            loads = load_pages(base, urls, cookie, args.seconds, args.c)
            result["pages"] = [asdict(load) for load in loads]
            result["web_workers"] = len(web.workers())
            result["web_rss_mib"] = [round(rss_mib(pid)) for pid in web.workers()]
            result["freshness"] = freshness(base, world, url)
        finally:
            web.stop()
    finally:
        hello.stop()
        matching.stop()
    return result


def _table(result: dict[str, Any]) -> list[str]:
    ceiling = result["ceiling"]["rps"]
    rows = [
        "| page | requests/s | share of hello world | p50 ms | p99 ms | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        f"| hello world (the ceiling) | {ceiling:,.0f} | 100 % | "
        f"{result['ceiling']['p50_ms']:.1f} | {result['ceiling']['p99_ms']:.1f} | "
        f"{result['ceiling']['errors']} |",
    ]
    for page in result["pages"]:
        rows.append(
            f"| {page['name']} | {page['rps']:,.0f} | {page['rps'] / ceiling:.0%} | "
            f"{page['p50_ms']:.1f} | {page['p99_ms']:.1f} | {page['errors']} |"
        )
    return rows


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _targets(result: dict[str, Any]) -> list[str]:
    """The issue's targets beside what was measured, each met or missed."""
    ceiling = result["ceiling"]["rps"]
    rows = ["| target | measured | |", "| --- | --- | --- |"]
    for page in result["pages"]:
        name = page["name"]
        if name.startswith(
            ("home", "list", "deep list", "search", "varied lists", "varied searches")
        ):
            share = page["rps"] / ceiling
            ok = share >= TARGET_SHARE and page["p99_ms"] <= TARGET_P99_MS
            rows.append(
                f"| {name}: ≥ {TARGET_SHARE:.0%} of hello world, p99 ≤ {TARGET_P99_MS:.0f} ms "
                f"| {share:.0%}, p99 {page['p99_ms']:.1f} ms | {_verdict(ok)} |"
            )
        elif name.startswith("recommendations"):
            rows.append(
                f"| {name}: p99 ≤ {TARGET_P99_MS:.0f} ms | p99 {page['p99_ms']:.1f} ms "
                f"| {_verdict(page['p99_ms'] <= TARGET_P99_MS)} |"
            )
    start = result["start"]
    ok = start["first_page_s"] < 3 and max(result["web_rss_mib"] + [start["rss_mib"]]) < 300
    rows.append(
        f"| a web worker starts serving in < 3 s and stays < 300 MiB "
        f"| {start['first_page_s']} s, at most {max(result['web_rss_mib'])} MiB | {_verdict(ok)} |"
    )
    fresh = result.get("freshness", {})
    seconds = [fresh.get("search"), fresh.get("recommendations")]
    ok = all(s is not None and s <= 10 for s in seconds)
    shown = " / ".join("—" if s is None else f"{s} s" for s in seconds)
    rows.append(
        f"| a publication searchable / recommended within 10 s | {shown} | {_verdict(ok)} |"
    )
    if "refeaturize" in result:
        step = result["refeaturize"]
        ok = step["seconds"] <= 240
        rows.append(
            f"| re-tokenising every listing within 4 minutes, bounded memory "
            f"| {step['seconds']} s, {step['peak_pss_mib']} MiB | {_verdict(ok)} |"
        )
    return rows


def write_report(results: list[dict[str, Any]], args: argparse.Namespace, path: Path) -> None:
    """docs/performance-web.md: the tables, how they were measured, the machine."""
    lines = [
        "# Web pages through real HTTP at city scale",
        "",
        f"Measured by `python -m tooling.bench.web` (part of `make bench`) on {machine()}.",
        "",
        f"Data: {args.listings:,} scenarios and {args.listings:,} capabilities, all published, "
        "re-tokenised and built into an index artifact. Servers as deployed: the web tier "
        "(`deploy/gunicorn.conf.py`: sync workers, 2 × cores + 1 of them) with the machine's "
        "matching process (`deploy/gunicorn-matching.conf.py`); on PostgreSQL with Redis (jobs, "
        "the anonymous page cache shared by the workers), on SQLite without it (each worker's "
        "own page cache). The ceiling is a hello-world Flask app under the same gunicorn "
        f"settings, measured in the same run. Load: wrk, {args.c} connections on 2 threads, "
        f"{args.seconds} s per page, on the same machine as the servers (it takes a share of "
        "the cores from both the pages and the ceiling).",
        "",
        "Single-URL rows ask for one URL over and over: anonymous visitors then get the page "
        "cache's copy (`PAGE_CACHE_SECONDS`, 5 s), as the many visitors of a popular page do. "
        "The *varied* rows ask for a different page each time (random list pages, searches, "
        "capabilities), which the cache seldom holds: they measure the pages themselves. "
        "The signed-in recommendation page is never cached.",
        "",
        f"With {args.c} connections every server is saturated: a row's latency is then mostly "
        "time spent waiting for a free worker (connections ÷ requests per second), so a page "
        "whose rate is low cannot have a low p99 there. The *one request at a time* row "
        "shows what one visitor waits for that page on an otherwise idle machine.",
        "",
        "Rows vary by up to a third from one run to the next on 2 cores shared with the load "
        "generator, the database and the matching process; at these rates gunicorn also "
        "replaces each web worker every 10,000–15,000 requests (`max_requests`), and a new "
        "worker spends about 1.5 s of a core importing the app and loading jieba's dictionary.",
        "",
        "Before the load, the published counts' change rows are folded (the scheduler's "
        "`search.compact_counts`, every ten minutes in a deployment) and PostgreSQL is "
        "vacuumed and analysed (SQLite analysed), as its autovacuum does on its own soon "
        "after bulk writes (autovacuum is off on this machine's test server; it must stay "
        "on in production).",
        "",
    ]
    for result in results:
        lines += [f"## {result['label']}", "", *_table(result), "", *_targets(result), ""]
        start = result["start"]
        lines += [
            f"- A fresh web worker served its first page {start['first_page_s']} s after "
            f"gunicorn started, its first search {start['first_search_s']} s later (jieba's "
            f"dictionary loads on first use), and then held {start['rss_mib']} MiB.",
            f"- Web workers after the load: {result['web_workers']}, resident memory "
            f"{', '.join(str(m) for m in result['web_rss_mib'])} MiB.",
            f"- The matching process was ready {result['matching_ready_s']} s after it started "
            f"(from the artifact) and held {result['matching_rss_mib']} MiB.",
        ]
        fresh = result.get("freshness", {})
        lines.append(
            "- A capability approved by an administrator was found by search "
            f"{fresh.get('search', 'not within 30')} s and recommended by the matching process "
            f"{fresh.get('recommendations', 'not within 30')} s after the commit (target 10 s)."
        )
        for step in ("refeaturize", "build"):
            if step in result:
                lines.append(f"- `{step}`: {json.dumps(result[step], ensure_ascii=False)}")
        lines.append("")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgresql", default=os.environ.get("BENCH_WEB_DATABASE_URL", ""))
    parser.add_argument("--sqlite", default=str(Path(tempfile.gettempdir()) / "bench-web.db"))
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("-c", type=int, default=16, help="wrk connections")
    parser.add_argument("--reuse", action="store_true", help="keep the data of the last run")
    parser.add_argument("--out", type=Path, default=DOC)
    args = parser.parse_args(argv)
    results: list[dict[str, Any]] = []
    if args.postgresql:
        results.append(bench_database("PostgreSQL with Redis", args.postgresql, True, args))
    if args.sqlite:
        results.append(bench_database("SQLite", f"sqlite:///{args.sqlite}", False, args))
    raw = args.out.with_suffix(".json")
    if args.reuse and raw.exists():  # the data's figures come from the run that made them
        made = {r["label"]: r for r in json.loads(raw.read_text(encoding="utf-8"))}
        for result in results:
            for step in ("generate", "refeaturize", "build"):
                if step in made.get(result["label"], {}):
                    result[step] = made[result["label"]][step]
    raw.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    write_report(results, args, args.out)
    print(args.out.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
