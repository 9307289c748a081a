"""`python -m tooling.bench.api`: the open-data API's list endpoints through real HTTP under gunicorn.

For each database (a SQLite file, and PostgreSQL with Redis when --postgresql is given):
100,000 scenarios and 100,000 capabilities bulk-inserted by tooling/bench/lists.py, then the web
tier as deployed (deploy/gunicorn.conf.py) and a hello-world app under the same settings,
loaded by wrk in the same run. Targets: p99 ≤ 100 ms and at least 25% of the hello-world
rate for every list endpoint. Anonymous requests run with the address limit lifted (the
benchmark has one address); "with a token" requests are each authenticated and audited.
Writes its section of docs/performance-api.md.

    python -m tooling.bench.api --sqlite /tmp/bench-api.db [--postgresql URL] [--reuse]
"""

from __future__ import annotations

import argparse
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

from app.config import ROOT, TestConfig
from tooling.bench import http
from tooling.bench.lists import _holds_data, generate, reset_database

DOC = ROOT / "docs" / "performance-api.md"
SECRET = "bench-api-secret-key-not-for-production-0000"  # noqa: S105 -- the bench's own key
WEB_PORT, HELLO_PORT = 8093, 8094
REDIS_URL = "redis://127.0.0.1:6379/12"
TARGET_SHARE = 0.25
TARGET_P99_MS = 100.0
BEGIN, END = "<!-- api-lists:begin -->", "<!-- api-lists:end -->"


def prepare(url: str, count: int, reuse: bool) -> dict[str, Any]:
    """The data set (generated unless reused), settled, and a partner token for the run."""
    from app import create_app
    from app.api import tokens
    from app.extensions import db
    from tooling.bench.web import settle

    started = time.perf_counter()
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    if not (reuse and _holds_data(url)):
        reset_database(url)
        generate(app, count, seed=7)
    settle(url)
    with app.app_context():
        issued = tokens.issue(None, "基准测试合作单位", "make bench", days=1)
        db.session.commit()
        db.engine.dispose()
    return {"secret": issued.secret, "prepare_s": round(time.perf_counter() - started)}


def environment(url: str, redis: bool) -> dict[str, str]:
    """Production-like settings on the bench database; the address limit out of the way."""
    env = {
        **os.environ,
        "APP_ENV": "development",
        "SECRET_KEY": SECRET,
        "DATABASE_URL": url,
        "MATCHING_URL": "",
        "LOG_LEVEL": "warning",
        "API_RATE_ANONYMOUS": "10000000 per minute",
        "API_RATE_TOKEN": "10000000 per minute",
    }
    env.pop("REDIS_URL", None)
    if redis:
        env["REDIS_URL"] = REDIS_URL
    return env


def walk(base: str, path: str, pages: int) -> tuple[list[str], list[str]]:
    """Follow `next` links: the pages' paths (cursors), and the listings' ids seen."""
    paths, ids, url = [], [], base + path
    for _ in range(pages):
        body = httpx.get(url, timeout=60).json()
        paths.append(url.removeprefix(base))
        ids += [item["id"] for item in body["items"]]
        if not body["next"]:
            break
        url = body["next"]
    return paths, ids


def endpoints(base: str) -> dict[str, list[str]]:
    """The URLs of each measured request type (several: every request a different one)."""
    domain, district, tag = quote("智慧交通"), quote("历城区"), quote("人工智能")
    cursors, ids = walk(base, "/api/v1/scenarios?limit=20", 300)
    rng = random.Random(7)  # noqa: S311 -- reproducible
    return {
        "scenarios (first page)": ["/api/v1/scenarios"],
        "capabilities (first page)": ["/api/v1/capabilities"],
        "scenarios, 300 pages by cursor": cursors,
        "scenarios limit=100": ["/api/v1/scenarios?limit=100"],
        "filtered (domain + district)": [f"/api/v1/scenarios?domain={domain}&district={district}"],
        "filtered (tag + open + budget)": [
            f"/api/v1/scenarios?tag={tag}&deadline=open&budget_min=100&budget_max=500"
        ],
        "capabilities (local + tag)": [f"/api/v1/capabilities?local=true&tag={tag}"],
        "search q=智能监测": [f"/api/v1/scenarios?q={quote('智能监测')}"],
        "details (varied)": [f"/api/v1/scenarios/{i}" for i in rng.sample(ids, min(500, len(ids)))],
        "organizations": ["/api/v1/organizations"],
        "scenarios (first page), with a token": ["/api/v1/scenarios"],
    }


def load(
    base: str, urls: dict[str, list[str]], secret: str, seconds: int, c: int
) -> list[http.Load]:
    """wrk against each request type."""
    results, scripts = [], Path(tempfile.mkdtemp(prefix="bench-api-"))
    for name, paths in urls.items():
        time.sleep(2)
        headers = [f"Authorization: Bearer {secret}"] if "token" in name else []
        if len(paths) == 1:
            results.append(http.wrk(name, base + paths[0], seconds, c, headers=headers))
            continue
        script = scripts / f"{len(results)}.lua"
        script.write_text(http.lua_paths(paths), encoding="utf-8")
        results.append(http.wrk(name, base + paths[0], seconds, c, script=script))
    return results


def bench_database(label: str, url: str, redis: bool, args: argparse.Namespace) -> dict[str, Any]:
    """Everything measured on one database."""
    result: dict[str, Any] = {"label": label, **prepare(url, args.count, args.reuse)}
    result["load"] = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    env = environment(url, redis)
    if redis:
        import redis as redis_client

        redis_client.Redis.from_url(REDIS_URL).flushdb()
    hello = http.serve_web("tooling.bench.hello:app", HELLO_PORT, env)
    web = http.serve_web("app.wsgi:app", WEB_PORT, env)
    base = f"http://127.0.0.1:{WEB_PORT}"
    try:
        http.wait_until_ok(f"http://127.0.0.1:{HELLO_PORT}/")
        http.wait_until_ok(base + "/api/v1/scenarios")
        urls = endpoints(base)
        for paths in urls.values():  # each worker warms up (the first search loads jieba)
            for path in paths[:2]:
                for _ in range(6):
                    httpx.get(base + path, timeout=60)
        result["ceiling"] = asdict(
            http.wrk("hello world", f"http://127.0.0.1:{HELLO_PORT}/", args.seconds, args.c)
        )
        result["loads"] = [
            asdict(x) for x in load(base, urls, result.pop("secret"), args.seconds, args.c)
        ]
        result["workers"] = len(web.workers())
        result["audited"] = audited(url)
    finally:
        web.stop()
        hello.stop()
    return result


def audited(url: str) -> int:
    """How many token uses the audit trail recorded (one per request with the token)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            query = "SELECT count(*) FROM audit_events WHERE action = 'api_token_use'"
            return int(conn.execute(sa.text(query)).scalar() or 0)
    finally:
        engine.dispose()


def _ok(row: dict[str, Any], ceiling: float) -> bool:
    return (
        row["p99_ms"] <= TARGET_P99_MS
        and row["rps"] >= TARGET_SHARE * ceiling
        and not row["errors"]
    )


def section(results: list[dict[str, Any]], args: argparse.Namespace) -> str:
    """The list endpoints' section of docs/performance-api.md."""
    lines = [
        BEGIN,
        "## List endpoints through real HTTP (`python -m tooling.bench.api`)",
        "",
        f"wrk, {args.c} connections, {args.seconds} s per row, against gunicorn as deployed "
        "(deploy/gunicorn.conf.py) on the machine's "
        f"{os.cpu_count()} cores (shared with other work: figures vary between runs). "
        "Targets: p99 ≤ 100 ms and ≥ 25% of the hello-world rate measured in the same run; "
        "no errors (non-2xx answers count as errors). Single-URL rows ask for one URL over and "
        "over, so after its first answer it comes from the kept copy "
        "(`API_RESPONSE_CACHE_SECONDS`, 5 s), as a popular first page does; the *300 pages by "
        "cursor* and *details (varied)* rows ask for a different URL each time and measure the "
        "queries themselves. Requests with a token are each authenticated, counted and audited "
        "(an INSERT and an UPDATE committed per request).",
    ]
    for result in results:
        ceiling = result["ceiling"]["rps"]
        lines += [
            "",
            f"### {result['label']}",
            "",
            f"- 100,000 scenarios + 100,000 capabilities; data prepared in {result['prepare_s']} s; "
            f"{result['workers']} web workers; load average before the run: {result['load']}",
            f"- hello world: {ceiling:,.0f} requests/s (p99 {result['ceiling']['p99_ms']:.1f} ms)",
            f"- token uses audited during the run: {result['audited']:,} (one per request)",
            "",
            "| request | requests/s | share of hello world | p50 ms | p99 ms | errors | target |",
            "| --- | ---: | ---: | ---: | ---: | ---: | :---: |",
        ]
        for row in result["loads"]:
            share = row["rps"] / ceiling if ceiling else 0
            lines.append(
                f"| {row['name']} | {row['rps']:,.0f} | {share:.0%} | {row['p50_ms']:.1f} | "
                f"{row['p99_ms']:.1f} | {row['errors']} | {'✓' if _ok(row, ceiling) else '✗'} |"
            )
    lines.append(END)
    return "\n".join(lines)


def write(text: str, path: Path) -> None:
    """Replace this benchmark's section of the report (other sections are left as they are)."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Open-data API performance\n"
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    new = pattern.sub(lambda _m: text, old) if pattern.search(old) else old.rstrip() + "\n\n" + text
    path.write_text(new.rstrip() + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; the exit code says whether every target was met."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--sqlite", type=Path, default=Path(tempfile.gettempdir()) / "bench-api.db")
    parser.add_argument("--postgresql", default=os.environ.get("BENCH_DATABASE_URL", ""))
    parser.add_argument("--reuse", action="store_true", help="keep data generated before")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("-c", type=int, default=16, help="wrk connections")
    parser.add_argument("--out", type=Path, default=DOC)
    args = parser.parse_args(argv)
    results = [bench_database("SQLite", f"sqlite:///{args.sqlite}", False, args)]
    if args.postgresql:
        results.append(bench_database("PostgreSQL (+ Redis)", args.postgresql, True, args))
    write(section(results, args), args.out)
    print(section(results, args))  # noqa: T201 -- the command's report
    return 0 if all(_ok(r, x["ceiling"]["rps"]) for x in results for r in x["loads"]) else 1


if __name__ == "__main__":
    sys.exit(main())
