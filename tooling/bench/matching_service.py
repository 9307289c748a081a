"""`python -m tooling.bench.matching_service`: the matching process at city scale on PostgreSQL.

The data are the engine benchmark's synthetic listings (tooling/matching/bench/corpus.py), written
as database rows with explicit ids (the sequences are then advanced with setval, so the
database stays usable). Each step runs in a process of its own, so its memory figures are its
own; the matching processes are real gunicorn processes (deploy/gunicorn-matching.conf.py).

    python -m tooling.bench.matching_service --database postgresql+psycopg://…/bench_matching \\
        --change-database postgresql+psycopg://…/bench_matching_change

The schemas of both databases are DROPPED and rebuilt. Steps: generate 100,000 capabilities
and 100,000 scenarios; re-tokenise them all (refeaturize_all over every core); start the
matching process from the database; build the index artifact; load it; start the matching
process from it and time queries over HTTP with and without filters; then, on 100,000
capabilities × 10,000 scenarios, an engine change (a dictionary word added through the web
tier) end to end with two matching processes answering queries throughout. Writes
docs/performance-matching-service.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from flask import Flask

from app.config import ROOT, DevelopmentConfig

SECRET = "bench-matching-secret-key-000000000000000000"  # noqa: S105 -- a bench database
DOC = ROOT / "docs" / "performance-matching-service.md"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn-matching.conf.py"
CHUNK = 5_000
WORD = "城市运行一网统管"  # the dictionary word the engine change adds


# ---------------------------------------------------------------------- memory
def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with suppress(OSError):  # the task ended meanwhile
            out += [int(c) for c in (task / "children").read_text().split()]
    return out


def process_tree(pid: int) -> list[int]:
    """The process and all its descendants."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += _children(current)
    return found


def _kib(path: str, field: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def rss_mib(pid: int) -> float:
    """Resident memory of one process."""
    return _kib(f"/proc/{pid}/status", "VmRSS") / 1024


def pss_mib(pid: int) -> float:
    """Proportional memory of one process (pages shared after a fork counted once overall)."""
    return _kib(f"/proc/{pid}/smaps_rollup", "Pss") / 1024


class Sampler(threading.Thread):
    """Peak memory of a process tree, sampled: the largest total PSS and the largest RSS of
    any one process."""

    def __init__(self, pid: int, interval: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_pss = self.peak_rss = 0.0
        self.processes = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            tree = process_tree(self.pid)
            self.processes = max(self.processes, len(tree))
            self.peak_pss = max(self.peak_pss, sum(pss_mib(p) for p in tree))
            self.peak_rss = max([self.peak_rss, *(rss_mib(p) for p in tree)])
            self._halt.wait(self.interval)

    def stop(self) -> dict[str, float]:
        """End sampling; the peaks in MiB."""
        self._halt.set()
        self.join()
        return {
            "peak_pss_mib": round(self.peak_pss),
            "peak_rss_one_mib": round(self.peak_rss),
            "processes": self.processes,
        }


@contextmanager
def measured(result: dict[str, Any], pid: int | None = None) -> Iterator[None]:
    """Time the block and sample the memory of a process tree (this process by default)."""
    sampler = Sampler(pid or os.getpid())
    sampler.start()
    started = time.perf_counter()
    try:
        yield
    finally:
        result["seconds"] = round(time.perf_counter() - started, 1)
        result.update(sampler.stop())


# ---------------------------------------------------------------------- data
def bench_app(url: str, **overrides: Any) -> Flask:
    """The web application on the bench database."""
    from app import create_app

    return create_app(
        DevelopmentConfig, SQLALCHEMY_DATABASE_URI=url, SECRET_KEY=SECRET, **overrides
    )


def _insert(table: Any, rows: list[dict[str, Any]]) -> None:
    from app.extensions import db

    for start in range(0, len(rows), CHUNK):
        db.session.execute(sa.insert(table), rows[start : start + CHUNK])


def _advance_sequences(tables: list[str]) -> None:
    """After explicit ids, the next row a user adds takes the next free id (PostgreSQL)."""
    from app.extensions import db

    if db.engine.dialect.name != "postgresql":
        return
    for table in tables:
        db.session.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 -- our names
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        )


def generate(url: str, capabilities: int, scenarios: int, seed: int) -> dict[str, Any]:
    """Rebuild the schema and write the listings (published, without stored features)."""
    from flask_migrate import upgrade

    from app import taxonomy
    from app.extensions import db
    from app.models import Capability, ListingStatus, Organization, OrgStatus, Role, Scenario
    from app.models.listing import capability_domains, capability_tags, scenario_tags
    from app.validators import uscc_check_char
    from tooling.bench.lists import reset_database
    from tooling.matching.bench import corpus

    result: dict[str, Any] = {"capabilities": capabilities, "scenarios": scenarios}
    reset_database(url)
    app = bench_app(url)
    with measured(result), app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        taxonomy.load_taxonomy(ROOT / "seed" / "taxonomy.json")
        db.session.commit()
        rng = random.Random(seed)  # noqa: S311 -- reproducible test data
        vocabulary = corpus.load_vocabulary(seed=seed)
        districts = taxonomy.names("district")
        tag_ids = {t.name: t.id for t in taxonomy.lookup("tag").values()}
        domain_ids = {t.name: t.id for t in taxonomy.lookup("domain").values()}

        orgs: list[dict[str, Any]] = []
        firms: dict[tuple[str, bool], list[int]] = {}
        publishers: list[int] = []
        for _ in range(1_000):
            orgs.append(_org(len(orgs) + 1, Role.PUBLISHER, rng.choice(districts), True, None))
            publishers.append(len(orgs))
        for key in [(d, True) for d in districts for _ in range(60)] + [("", False)] * 300:
            body = f"91370100{len(orgs) + 1:09d}"
            uscc = body + uscc_check_char(body)
            orgs.append(_org(len(orgs) + 1, Role.FIRM, key[0], key[1], uscc))
            firms.setdefault(key, []).append(len(orgs))
        for row in orgs:
            row["status"] = OrgStatus.APPROVED
        _insert(Organization, orgs)

        now = datetime.now(UTC)
        for start in range(0, scenarios, CHUNK):
            rows, links = [], []
            for i in range(start, min(start + CHUNK, scenarios)):
                listing = corpus.scenario(vocabulary, i, seed)
                when = now - timedelta(minutes=rng.randrange(1, 500_000))
                rows.append(
                    {
                        "id": i + 1,
                        "organization_id": rng.choice(publishers),
                        "title": listing.title[:100],
                        "domain": listing.domains[0],
                        "district": listing.district,
                        "description": listing.description,
                        "opening_method": "公开征集",
                        "status": ListingStatus.PUBLISHED,
                        "submitted_at": when,
                        "published_at": when,
                    }
                )
                links += [{"scenario_id": i + 1, "term_id": tag_ids[t]} for t in listing.tags]
            _insert(Scenario, rows)
            _insert(scenario_tags, links)
            db.session.commit()
        all_tags = sorted(tag_ids)
        for start in range(0, capabilities, CHUNK):
            rows, domains, tags = [], [], []
            for i in range(start, min(start + CHUNK, capabilities)):
                listing = corpus.capability(vocabulary, i, seed)
                when = now - timedelta(minutes=rng.randrange(1, 500_000))
                key = (listing.district, bool(listing.is_local))
                rows.append(
                    {
                        "id": i + 1,
                        "organization_id": rng.choice(firms[key]),
                        "title": listing.title[:100],
                        "cap_type": "产品",
                        "maturity": "规模应用",
                        "description": listing.description,
                        "keywords": "、".join(listing.tags)[:200],
                        "status": ListingStatus.PUBLISHED,
                        "submitted_at": when,
                        "published_at": when,
                    }
                )
                domains += [
                    {"capability_id": i + 1, "term_id": domain_ids[d]} for d in listing.domains
                ]
                tags += [
                    {"capability_id": i + 1, "term_id": tag_ids[t]}
                    for t in rng.sample(all_tags, rng.randint(1, 2))
                ]
            _insert(Capability, rows)
            _insert(capability_domains, domains)
            _insert(capability_tags, tags)
            db.session.commit()
        _advance_sequences(["organizations", "scenarios", "capabilities"])
        db.session.commit()
        with db.engine.connect() as conn:
            conn.execute(sa.text("ANALYZE"))
            conn.commit()
        db.engine.dispose()
    return result


def _org(org_id: int, role: Any, district: str, is_local: bool, uscc: str | None) -> dict[str, Any]:
    firm = uscc is not None
    return {
        "id": org_id,
        "name": f"基准{'企业' if firm else '单位'}{org_id:05d}",
        "role": role,
        "kind": "民营企业" if firm else "政府部门",
        "uscc": uscc,
        "district": district,
        "is_local": is_local,
    }


# ---------------------------------------------------------------------- steps
def refeaturize(url: str) -> dict[str, Any]:
    """refeaturize_all over every core."""
    from app.engine_builds.refeaturize import refeaturize_all
    from app.matching.parallel import workers_available

    result: dict[str, Any] = {"workers": workers_available()}
    app = bench_app(url)
    with app.app_context():
        with measured(result):
            result["listings"] = refeaturize_all()
        from app.extensions import db

        db.engine.dispose()
    result["per_listing_ms"] = round(result["seconds"] * 1000 / result["listings"], 3)
    return result


def build(url: str) -> dict[str, Any]:
    """One engine build: an index artifact from the stored features."""
    from app.engine_builds.maintenance import build_and_publish
    from app.extensions import db

    result: dict[str, Any] = {}
    app = bench_app(url)
    with app.app_context():
        with measured(result):
            built = build_and_publish(app, refeaturize=False)
        result["size_mib"] = round(built.artifact.size / 2**20, 1)
        result["version"] = built.artifact.version
        result["listings"] = built.served.counts()
        db.engine.dispose()
    return result


def load(url: str) -> dict[str, Any]:
    """Loading the newest artifact (what a matching process does when the feed names one)."""
    from sqlalchemy.orm import Session

    from app.extensions import db
    from app.recommendations import artifacts
    from app.recommendations.state import ENGINES, Vocabulary

    result: dict[str, Any] = {}
    app = bench_app(url)
    with app.app_context():
        ENGINES.get(app.config["SEED_DIR"] / "matching", Vocabulary((), (), None))  # as a
        # running process has it; loading an artifact then builds no engine
        with Session(db.engine) as session:
            row = artifacts.newest(session)
            with measured(result):
                served = artifacts.load(session, row, app.config["SEED_DIR"] / "matching", SECRET)
        result["listings"] = served.counts()
        result["rss_after_mib"] = round(rss_mib(os.getpid()))
        db.engine.dispose()
    return result


def drop_artifacts(url: str) -> None:
    """Remove every artifact (so a matching process must start from the database)."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM index_artifact_chunks"))
        conn.execute(sa.text("DELETE FROM index_artifacts"))
    engine.dispose()


# ---------------------------------------------------------------------- matching processes
class MatchingProcess:
    """A gunicorn matching process started as it is deployed."""

    def __init__(self, url: str, port: int, log: Path, poll: float = 1.0) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "APP_ENV": "development",
            "MATCHING_BIND": f"127.0.0.1:{port}",
            "MATCHING_POLL_SECONDS": str(poll),
            "MATCHING_ACCESS_LOG": "/dev/null",
        }
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.started = time.perf_counter()
        self._log = log.open("ab")
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.process = subprocess.Popen(  # noqa: S603 -- our own server
            [str(gunicorn), "-c", str(GUNICORN_CONF)],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=self._log,
            start_new_session=True,
        )

    def status(self) -> dict[str, Any] | None:
        """/readyz, or None while it does not answer 200."""
        try:
            response = httpx.get(self.url + "/readyz", timeout=5)
        except httpx.HTTPError:
            return None
        return response.json() if response.status_code == 200 else None

    def wait_ready(self, timeout: float = 900) -> float:
        """Seconds from launch until /readyz answers 200."""
        while time.perf_counter() - self.started < timeout:
            if self.status() is not None:
                return time.perf_counter() - self.started
            if self.process.poll() is not None:
                raise RuntimeError(f"matching process on {self.port} exited")
            time.sleep(0.2)
        raise RuntimeError(f"matching process on {self.port} not ready in {timeout} s")

    def worker(self) -> int:
        """The gunicorn worker's pid (the process holding the indexes)."""
        kids = _children(self.process.pid)
        return kids[0] if kids else self.process.pid

    def stop(self) -> None:
        """SIGTERM the master and wait."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self._log.close()


def queries(url: str, count: int, seed: int) -> list[tuple[str, dict[str, Any]]]:
    """Random listings as the web tier sends them: (side, listing JSON), half each side."""
    from sqlalchemy.orm import Session

    from app.extensions import db
    from app.models import Capability, Scenario
    from app.recommendations.client import listing_to_json
    from app.recommendations.documents import document
    from app.recommendations.state import load_listings

    rng = random.Random(seed)  # noqa: S311 -- a reproducible sample, not secrets
    out: list[tuple[str, dict[str, Any]]] = []
    app = bench_app(url)
    with app.app_context(), Session(db.engine) as session:
        for side, model in (("scenario", Scenario), ("capability", Capability)):
            top = session.scalar(sa.select(sa.func.max(model.id))) or 0
            ids = rng.sample(range(1, top + 1), min(count // 2, top))
            rows = load_listings(session, side, ids)
            out += [(side, listing_to_json(document(rows[i]))) for i in ids if i in rows]
        db.engine.dispose()
    rng.shuffle(out)
    return out


def _filters(side: str, listing: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """Filters a detail page may set: local firms of the scenario's domain; one district."""
    if side == "scenario":
        return {"domains": list(listing["domains"][:1]), "local_only": True}
    return {"districts": [rng.choice(["历下区", "市中区", "槐荫区", "天桥区", "历城区"])]}


def timed_queries(
    process: MatchingProcess, asked: list[tuple[str, dict[str, Any]]], filtered: bool
) -> dict[str, Any]:
    """Latency of /v1/recommend over HTTP, one request at a time (ms)."""
    rng = random.Random(7)  # noqa: S311 -- a reproducible order, not secrets
    samples, sizes = [], []
    with httpx.Client(base_url=process.url, timeout=30) as client:
        for n, (side, listing) in enumerate(asked):
            body = {"side": side, "id": 1, "listing": listing, "top": 10}
            if filtered:
                body["filters"] = _filters(side, listing, rng)
            started = time.perf_counter()
            response = client.post("/v1/recommend", json=body)
            elapsed = (time.perf_counter() - started) * 1000
            response.raise_for_status()
            if n >= 20:  # the first few warm the connection and the caches
                samples.append(elapsed)
                sizes.append(len(response.json()["matches"]))
    return {
        "requests": len(samples),
        "p50_ms": round(percentile(samples, 50), 1),
        "p99_ms": round(percentile(samples, 99), 1),
        "max_ms": round(max(samples), 1),
        "mean_results": round(statistics.mean(sizes), 2),
    }


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered)) - 1))
    return ordered[rank]


def serve(
    url: str, log: Path, port: int, asked: list[tuple[str, dict[str, Any]]] | None
) -> dict[str, Any]:
    """Start a matching process; time to ready, its memory; query latency when asked."""
    process = MatchingProcess(url, port, log)
    try:
        ready = process.wait_ready()
        worker = process.worker()
        result: dict[str, Any] = {
            "ready_s": round(ready, 1),
            "rss_mib": round(rss_mib(worker)),
            "pss_mib": round(pss_mib(worker)),
            "status": process.status(),
        }
        if asked:
            result["unfiltered"] = timed_queries(process, asked, filtered=False)
            result["filtered"] = timed_queries(process, asked, filtered=True)
            result["rss_after_queries_mib"] = round(rss_mib(worker))
        return result
    finally:
        process.stop()


class Load(threading.Thread):
    """A web worker asking a matching process continuously; every answer kept."""

    def __init__(self, process: MatchingProcess, asked: list[tuple[str, dict[str, Any]]]) -> None:
        super().__init__(daemon=True)
        self.process, self.asked = process, asked
        self.answers: list[tuple[float, float, int, str]] = []  # (at, ms, status, version)
        self._halt = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self.process.url, timeout=30) as client:
            n = 0
            while not self._halt.is_set():
                side, listing = self.asked[n % len(self.asked)]
                n += 1
                started = time.perf_counter()
                try:
                    response = client.post(
                        "/v1/recommend",
                        json={"side": side, "id": 1, "listing": listing, "top": 10},
                    )
                    status = response.status_code
                    version = response.json().get("engine_version", "") if status == 200 else ""
                except httpx.HTTPError:
                    status, version = 0, ""
                self.answers.append(
                    (time.monotonic(), (time.perf_counter() - started) * 1000, status, version)
                )
                self._halt.wait(0.1)  # about ten page views a second per process

    def stop(self) -> None:
        self._halt.set()
        self.join()


def engine_change(url: str, log: Path) -> dict[str, Any]:
    """A dictionary word added through the web tier, until two matching processes serve it."""
    from app.engine_builds import vocabulary
    from app.extensions import db
    from app.models import VocabularyKind

    asked = queries(url, 400, seed=3)
    first, second = MatchingProcess(url, 5011, log), MatchingProcess(url, 5012, log)
    result: dict[str, Any] = {}
    try:
        result["ready_s"] = [round(first.wait_ready(), 1), round(second.wait_ready(), 1)]
        before = first.status()["engine_version"]  # type: ignore[index]
        loads = [Load(first, asked), Load(second, asked)]
        for load in loads:
            load.start()
        time.sleep(10)  # a baseline of answers
        web = bench_app(url, MATCHING_URL=first.url)
        sampler = Sampler(first.worker())
        sampler.start()
        with web.test_request_context("/review/engine/vocabulary", method="POST"):
            vocabulary.add(None, VocabularyKind.WORD, WORD)
            db.session.commit()  # the matching.rebuild job builds it (here: in this process)
            changed = time.monotonic()
        served: dict[int, float] = {}
        while len(served) < 2 and time.monotonic() - changed < 1800:
            for process in (first, second):
                status = process.status()
                if process.port not in served and status and status["engine_version"] != before:
                    served[process.port] = time.monotonic() - changed
            time.sleep(1)
        time.sleep(5)
        for load in loads:
            load.stop()
        result["matching_memory"] = sampler.stop()  # the first process, loading beside serving
        result["served_after_s"] = {str(port): round(s, 1) for port, s in sorted(served.items())}
        result["answering"] = [
            _during(load, changed, changed + max(served.values())) for load in loads
        ]
        result["after"] = first.status()
        with web.app_context():
            db.engine.dispose()
    finally:
        first.stop()
        second.stop()
    return result


def _during(load: Load, start: float, end: float) -> dict[str, Any]:
    """What one load thread saw while the change was built and switched in."""
    window = [a for a in load.answers if start <= a[0] <= end]
    ok = [ms for _, ms, status, _ in window if status == 200]
    return {
        "requests": len(window),
        "failed": sum(1 for _, _, status, _ in window if status != 200),
        "p50_ms": round(percentile(ok, 50), 1),
        "p99_ms": round(percentile(ok, 99), 1),
        "max_ms": round(max(ok), 1) if ok else None,
        "versions": sorted({v for *_, v in window if v}),
    }


# ---------------------------------------------------------------------- driver
STEPS: dict[str, Callable[..., dict[str, Any]]] = {
    "generate": generate,
    "refeaturize": refeaturize,
    "build": build,
    "load": load,
}


def run_step(name: str, **kwargs: Any) -> dict[str, Any]:
    """One step in a fresh process (its memory figures are its own); its result."""
    print(f"[bench] {name} {kwargs}", file=sys.stderr, flush=True)
    out = subprocess.run(  # noqa: S603 -- this module
        [
            sys.executable,
            "-m",
            "tooling.bench.matching_service",
            "--step",
            name,
            json.dumps(kwargs),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"step {name} failed:\n{out.stderr[-4000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"[bench] {name}: {result}", file=sys.stderr, flush=True)
    return result


def machine() -> str:
    """Cores, memory, CPU model, Python and PostgreSQL."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = _kib("/proc/meminfo", "MemTotal") / 2**20
    load = os.getloadavg()
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB memory, Linux {platform.release()}, "
        f"Python {platform.python_version()}; load average at the end "
        f"{load[0]:.2f}/{load[1]:.2f}/{load[2]:.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL", ""))
    parser.add_argument(
        "--change-database", default=os.environ.get("BENCH_CHANGE_DATABASE_URL", "")
    )
    parser.add_argument("--capabilities", type=int, default=100_000)
    parser.add_argument("--scenarios", type=int, default=100_000)
    parser.add_argument("--change-scenarios", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--only", choices=["main", "change"], default=None)
    parser.add_argument("--out", type=Path, default=DOC)
    parser.add_argument("--step", default=None, help=argparse.SUPPRESS)
    parser.add_argument("step_args", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        result = STEPS[args.step](**json.loads(args.step_args or "{}"))
        print(json.dumps(result, ensure_ascii=False, default=str))
        return 0
    log = ROOT / "instance" / "bench-matching-service.log"
    log.parent.mkdir(exist_ok=True)
    results: dict[str, Any] = {
        "command": " ".join(["python -m tooling.bench.matching_service", *(argv or sys.argv[1:])])
    }
    if args.only in (None, "main"):
        url = args.database
        results["generate"] = run_step(
            "generate", url=url, capabilities=args.capabilities, scenarios=args.scenarios, seed=1
        )
        results["refeaturize"] = run_step("refeaturize", url=url)
        drop_artifacts(url)
        asked = queries(url, args.queries, seed=2)
        results["start_database"] = serve(url, log, 5010, asked)
        results["build"] = run_step("build", url=url)
        results["load"] = run_step("load", url=url)
        results["start_artifact"] = serve(url, log, 5010, asked)
    if args.only in (None, "change"):
        url = args.change_database
        results["change_generate"] = run_step(
            "generate",
            url=url,
            capabilities=args.capabilities,
            scenarios=args.change_scenarios,
            seed=1,
        )
        results["change_refeaturize"] = run_step("refeaturize", url=url)
        results["change_build"] = run_step("build", url=url)
        results["change"] = engine_change(url, log)
    results["machine"] = machine()
    raw = log.with_suffix(".json")
    raw.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    print(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
