"""The matching benchmark: the engine and three baselines on one synthetic city-scale corpus.

`python -m tooling.matching.bench` (what `make bench` runs) generates the corpus, measures each
operation in a fresh child process (so one measurement's memory and caches do not pollute
another's), prints a table and writes docs/performance.md. See `--help` for the scale knobs.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import importlib
import json
import multiprocessing
import os
import platform
import resource
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from tooling.matching.bench import corpus

ROOT = Path(__file__).resolve().parents[3]
DEFAULT_OUT = ROOT / "docs" / "performance.md"
DEFAULT_ENGINE = "app.matching:Engine"
TOP = 10
WARMUP = 5
MIB = 1024 * 1024

# Targets of the issue, for the full scale (100,000 capabilities × 10,000 scenarios).
P50_MS = 5.0
P95_MS = 10.0
ADD_MS = 50.0
REBUILD_S = 10.0
MEMORY_MIB = 1024.0
ALL_PAIRS_S = 20.0
BATCH_RATIO = 0.5

Result = dict[str, Any]


# --------------------------------------------------------------------------- small helpers


def log(message: str) -> None:
    """Print a progress line on standard error (the table goes to standard output)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def peak_rss_mib() -> float:
    """Return this process's resident-set high-water mark in MiB (Linux reports KiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / MIB


def percentile(values: Sequence[float], q: float) -> float:
    """Return the q-th percentile (0–100) by linear interpolation between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(seconds: Sequence[float]) -> Result:
    """Return n, mean, p50, p95, p99 and max of durations, in milliseconds."""
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "mean_ms": statistics.fmean(ms) if ms else float("nan"),
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "p99_ms": percentile(ms, 99),
        "max_ms": max(ms) if ms else float("nan"),
    }


def load_engine_class(spec: str) -> Any:
    """Import `module:attribute` (default app.matching:Engine)."""
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name or "Engine")


def load_filters_class(spec: str) -> Any:
    """Return the Filters class next to the engine, or None if the module has none."""
    module = spec.partition(":")[0]
    return getattr(importlib.import_module(module), "Filters", None)


def engine_available(spec: str) -> str | None:
    """Return None if the engine API can be imported, else the reason it cannot."""
    try:
        engine_class = load_engine_class(spec)
    except (ImportError, AttributeError) as exc:
        return f"{type(exc).__name__}: {exc}"
    missing = [m for m in ("features", "build_index", "rank") if not hasattr(engine_class, m)]
    return f"{spec} lacks {', '.join(missing)}" if missing else None


def stored_items(
    path: Path, from_json: Callable[[dict[str, Any]], Any]
) -> Iterable[tuple[str, Any]]:
    """Yield (id, Features) from a stored-features JSONL file (`{"id": …, "f": {…}}` lines)."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            yield record["id"], from_json(record["f"])


def fit_topics_as_served(
    index: Any, work: Path, from_json: Callable[[dict[str, Any]], Any]
) -> float:
    """Fit the topic space as the application does after a rebuild: on an even sample of
    both sides' stored features (per side). Returns the seconds it took (0 for an engine
    without topics)."""
    if not hasattr(index, "fit_topics"):
        return 0.0
    from app.matching.topics import Topics

    started = time.perf_counter()
    sample = []
    for name in ("capabilities", "scenarios"):
        path = work / f"{name}.features.jsonl"
        with path.open(encoding="utf-8") as handle:
            count = sum(1 for _ in handle)
        wanted = set(Topics.sample(count))
        with path.open(encoding="utf-8") as handle:
            sample += [
                from_json(json.loads(line)["f"]) for n, line in enumerate(handle) if n in wanted
            ]
    index.fit_topics(sample)
    return time.perf_counter() - started


def features_class(engine: Any, work: Path) -> Any:
    """Return the engine's Features class (the type of what engine.features returns)."""
    listing = corpus.read_jsonl(work / "scenarios.jsonl", limit=1)[0]
    return type(engine.features(listing))


# --------------------------------------------------------------------------- child processes


PR_SET_PDEATHSIG = 1  # Linux prctl option: a signal for this process when its parent dies
_GROUP_LEADER = 0


def _end_own_group(signum: int, _frame: Any) -> None:
    """SIGTERM in a measurement process: end its whole group (forked workers just exit)."""
    signal.signal(signum, signal.SIG_DFL)
    if os.getpid() == _GROUP_LEADER:
        os.killpg(os.getpgrp(), signum)
    else:
        os.kill(os.getpid(), signum)


def _child_main(conn: Any, target: str, kwargs: dict[str, Any]) -> None:
    """Run one measurement function of this module and send back its result or traceback."""
    # Own process group: on a timeout the parent ends this process and any workers it forked;
    # if the parent itself dies, this process ends its group too (no orphaned measurement).
    os.setpgrp()
    global _GROUP_LEADER
    _GROUP_LEADER = os.getpid()
    signal.signal(signal.SIGTERM, _end_own_group)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    try:
        result = globals()[target](**kwargs)
        result["peak_rss_mib_process"] = peak_rss_mib()
        conn.send({"ok": True, "result": result})
    except BaseException:  # report anything, including MemoryError, to the parent
        conn.send({"ok": False, "error": traceback.format_exc()})
    finally:
        conn.close()


def run_child(target: str, timeout: float, inline: bool = False, **kwargs: Any) -> Result:
    """Run a measurement in a fresh (spawned) process; return its result or {"error": …}."""
    started = time.perf_counter()
    if inline:
        try:
            result = globals()[target](**kwargs)
        except Exception:  # noqa: BLE001 -- a failed measurement is reported, not fatal
            return {"error": traceback.format_exc(), "wall_s": time.perf_counter() - started}
        result["wall_s"] = time.perf_counter() - started
        return result
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe(duplex=False)
    # Not a daemon: the engine may fork worker pools for batch work, which daemons cannot.
    process = context.Process(target=_child_main, args=(child, target, kwargs))
    process.start()
    child.close()
    try:
        if not parent.poll(timeout):
            _end_group(process)
            return {"error": f"timed out after {timeout:.0f} s", "timeout": True}
        message = parent.recv()
    except EOFError:
        message = {"ok": False, "error": f"child died (exit code {process.exitcode})"}
    except BaseException:  # interrupted (Ctrl-C, SIGTERM): leave no measurement running
        _end_group(process)
        raise
    process.join(30)
    if process.is_alive():
        _end_group(process)
    if not message["ok"]:
        return {"error": message["error"], "wall_s": time.perf_counter() - started}
    result = message["result"]
    result["wall_s"] = time.perf_counter() - started
    return result


def probe_child(value: int) -> Result:
    """A no-op measurement: tells which process ran it (the tests check the isolation)."""
    return {"pid": os.getpid(), "value": value}


def _end_group(process: Any) -> None:
    """End a measurement process and the workers it forked (its own process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    process.join(10)
    if process.is_alive():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.join(10)


def baselines_child(
    work: str, candidates: int, batch: int, naive_queries: int, bm25_queries: int
) -> Result:
    """Plain batch ranker end to end, then naive refit and BM25 per-query samples."""
    from tooling.matching.bench import baselines

    work_path = Path(work)
    out: Result = {}
    # (c) plain jieba + scikit-learn batch ranker, end to end like a command would run it.
    started = time.perf_counter()
    caps = corpus.read_jsonl(work_path / "capabilities.jsonl", limit=candidates)
    queries = corpus.read_jsonl(work_path / "scenarios.jsonl", limit=batch)
    loaded = time.perf_counter()
    tokenizer = baselines.PlainTokenizer()
    tokenizer_ready = time.perf_counter()
    holder: dict[str, list[list[str]]] = {}
    timings: dict[str, float] = {}
    ranked = baselines.plain_rank(
        queries,
        caps,
        TOP,
        tokenizer=tokenizer,
        on_tokens=lambda tokens: holder.setdefault("tokens", tokens),
        timings=timings,
    )
    ranked_at = time.perf_counter()
    with (work_path / "plain_ranking.jsonl").open("w", encoding="utf-8") as handle:
        for query, hits in zip(queries, ranked, strict=True):
            line = {"scenario_id": query.id, "ranked": [caps[i].id for i, _ in hits]}
            handle.write(json.dumps(line) + "\n")
    finished = time.perf_counter()
    out["plain"] = {
        "rank_s": ranked_at - tokenizer_ready,
        "end_to_end_s": finished - started,
        "read_s": loaded - started,
        "tokenizer_load_s": tokenizer_ready - loaded,
        "write_s": finished - ranked_at,
        **timings,
        "top_ids": [[caps[i].id for i, _ in hits] for hits in ranked],
    }
    candidate_tokens = holder.pop("tokens")
    del ranked

    # Index build from stored tokens, for the rebuild row.
    from sklearn.feature_extraction.text import TfidfVectorizer

    started = time.perf_counter()
    TfidfVectorizer(analyzer=baselines.identity).fit_transform(candidate_tokens)
    out["plain"]["fit_from_tokens_s"] = time.perf_counter() - started

    sample = corpus.read_jsonl(
        work_path / "scenarios.jsonl", limit=max(naive_queries, bm25_queries)
    )

    # (a) naive: refit per query (query tokenisation included in each figure).
    naive = baselines.NaiveRefit(candidate_tokens)
    durations = []
    for query in sample[:naive_queries]:
        t0 = time.perf_counter()
        naive.query(tokenizer.listing_tokens(query), TOP)
        durations.append(time.perf_counter() - t0)
    out["naive"] = summary(durations)
    del naive

    # (b) rank_bm25: model built once, get_scores per query.
    started = time.perf_counter()
    bm25 = baselines.BM25Baseline(candidate_tokens)
    build_s = time.perf_counter() - started
    durations = []
    for query in sample[:bm25_queries]:
        t0 = time.perf_counter()
        bm25.query(tokenizer.listing_tokens(query), TOP)
        durations.append(time.perf_counter() - t0)
    out["bm25"] = {**summary(durations), "build_s": build_s}
    return out


def engine_prepare_child(work: str, engine_spec: str, candidates: int, scenarios: int) -> Result:
    """Tokenise every listing once and store its features as JSON (what the database holds)."""
    work_path = Path(work)
    started = time.perf_counter()
    engine = load_engine_class(engine_spec)()
    out: Result = {"engine_load_s": time.perf_counter() - started}
    for name, limit in (("capabilities", candidates), ("scenarios", scenarios)):
        listings = corpus.read_jsonl(work_path / f"{name}.jsonl", limit=limit)
        started = time.perf_counter()
        with (work_path / f"{name}.features.jsonl").open("w", encoding="utf-8") as handle:
            for listing in listings:
                stored = {"id": listing.id, "f": engine.features(listing).to_json()}
                handle.write(json.dumps(stored, ensure_ascii=False) + "\n")
        elapsed = time.perf_counter() - started
        out[name] = {"count": len(listings), "seconds": elapsed}
    out["features_ms_per_listing"] = (
        out["capabilities"]["seconds"] / max(out["capabilities"]["count"], 1) * 1000
    )
    return out


def engine_serve_child(
    work: str, engine_spec: str, queries: int, adds: int, all_pairs: int
) -> Result:
    """The serving process: build from stored features, query, add, rebuild, all-pairs.

    Its resident-set high-water mark after build + queries + adds is the memory figure.
    """
    work_path = Path(work)
    engine = load_engine_class(engine_spec)()
    features_type = features_class(engine, work_path)
    filters_type = load_filters_class(engine_spec)
    out: Result = {"rss_engine_loaded_mib": peak_rss_mib()}

    stored = work_path / "capabilities.features.jsonl"
    started = time.perf_counter()
    index = engine.build_index(stored_items(stored, features_type.from_json))
    out["topics_s"] = fit_topics_as_served(index, work_path, features_type.from_json)
    out["build_s"] = time.perf_counter() - started
    out["index_size"] = len(index)

    listings = corpus.read_jsonl(work_path / "scenarios.jsonl", limit=queries + WARMUP)
    for query in listings[:WARMUP]:
        index.search(engine.features(query), top=TOP)
    total, tokenise, search, empty = [], [], [], 0
    for query in listings[WARMUP:]:
        t0 = time.perf_counter()
        feats = engine.features(query)
        t1 = time.perf_counter()
        hits = index.search(feats, top=TOP)
        t2 = time.perf_counter()
        total.append(t2 - t0)
        tokenise.append(t1 - t0)
        search.append(t2 - t1)
        empty += not hits
    out["query"] = summary(total)
    out["query_features"] = summary(tokenise)
    out["query_search"] = summary(search)
    out["query_empty"] = empty

    if filters_type is not None:
        durations = []
        for query in listings[WARMUP:]:
            filters = filters_type(domains=frozenset(query.domains), local_only=True)
            feats = engine.features(query)
            t0 = time.perf_counter()
            index.search(feats, top=TOP, filters=filters)
            durations.append(time.perf_counter() - t0)
        out["query_filtered"] = summary(durations)

    new = corpus.read_jsonl(work_path / "adds.jsonl", limit=adds)
    with_tokens, add_only = [], []
    for listing in new:
        t0 = time.perf_counter()
        feats = engine.features(listing)
        t1 = time.perf_counter()
        index.add(listing.id, feats)
        t2 = time.perf_counter()
        with_tokens.append(t2 - t0)
        add_only.append(t2 - t1)
    out["add_with_features"] = summary(with_tokens)
    out["add_only"] = summary(add_only)
    # A few queries after the adds, so the live index is exercised in its grown state.
    for query in listings[WARMUP : WARMUP + 20]:
        index.search(engine.features(query), top=TOP)
    out["size_after_adds"] = len(index)
    durations = []
    for listing in new:
        t0 = time.perf_counter()
        index.remove(listing.id)
        durations.append(time.perf_counter() - t0)
    out["remove"] = summary(durations)
    out["rss_serving_mib"] = peak_rss_mib()

    # Rebuild while the live index still serves (as a server would before swapping), streaming
    # the stored features into the build as the application streams its rows.
    started = time.perf_counter()
    rebuilt = engine.build_index(stored_items(stored, features_type.from_json))
    fit_topics_as_served(rebuilt, work_path, features_type.from_json)
    out["rebuild"] = {"total_s": time.perf_counter() - started}
    out["rss_rebuild_mib"] = peak_rss_mib()
    del index
    index = rebuilt

    scenario_feats = [
        f for _, f in stored_items(work_path / "scenarios.features.jsonl", features_type.from_json)
    ][:all_pairs]
    started = time.perf_counter()
    results = index.search_many(scenario_feats, top=TOP)
    out["all_pairs"] = {
        "queries": len(scenario_feats),
        "seconds": time.perf_counter() - started,
        "results": len(results),
    }
    out["rss_all_pairs_mib"] = peak_rss_mib()
    return out


def engine_rank_child(work: str, engine_spec: str, candidates: int, batch: int) -> Result:
    """engine.rank on batch scenarios × candidates, tokenisation included (a fresh engine)."""
    work_path = Path(work)
    started = time.perf_counter()
    engine = load_engine_class(engine_spec)()
    engine_load_s = time.perf_counter() - started
    caps = corpus.read_jsonl(work_path / "capabilities.jsonl", limit=candidates)
    queries = corpus.read_jsonl(work_path / "scenarios.jsonl", limit=batch)
    started = time.perf_counter()
    ranked = engine.rank(queries, caps, top=TOP)
    return {
        "engine_load_s": engine_load_s,
        "rank_s": time.perf_counter() - started,
        "top_ids": [[m.id for m in hits] for hits in ranked],
    }


def cli_rank(work: Path, timeout: float) -> Result:
    """Time `python -m app.matching rank` as a user runs it: process start to output written."""
    out_path = work / "engine_ranking.jsonl"
    command = [
        sys.executable,
        "-m",
        "app.matching",
        "rank",
        "--scenarios",
        str(work / "batch_scenarios.jsonl"),
        "--capabilities",
        str(work / "capabilities.jsonl"),
        "--out",
        str(out_path),
    ]
    started = time.perf_counter()
    # A session of its own, so that a timeout or an interruption ends its workers too.
    process = subprocess.Popen(  # noqa: S603 -- our own interpreter and module
        command,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _, stderr = process.communicate(timeout=timeout)
    except BaseException as exc:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        if isinstance(exc, subprocess.TimeoutExpired):
            return {"error": f"timed out after {timeout:.0f} s", "timeout": True}
        raise
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        return {"error": f"exit {process.returncode}: {stderr.strip()[-2000:]}"}
    with out_path.open(encoding="utf-8") as handle:
        lines = sum(1 for _ in handle)
    return {"seconds": seconds, "lines": lines}


# --------------------------------------------------------------------------- report


@dataclass
class Row:
    """One line of the table: the engine's figure, its target and the baselines' figures."""

    key: str
    operation: str
    engine: str
    target: str
    status: str
    naive: str = "—"
    bm25: str = "—"
    plain: str = "—"


def fmt_ms(value: float | None) -> str:
    """Milliseconds with three significant digits."""
    if value is None or value != value:
        return "—"
    if value < 0.1:
        return f"{value * 1000:.3g} µs"
    return f"{value:.3g} ms" if value < 1000 else fmt_s(value / 1000)


def fmt_s(value: float | None) -> str:
    """Seconds, one or two decimals."""
    if value is None or value != value:
        return "—"
    if value >= 100:
        return f"{value:,.0f} s"
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def check(value: float | None, limit: float) -> str:
    """PASS when value ≤ limit, FAIL otherwise (or when it is missing)."""
    return "PASS" if value is not None and value == value and value <= limit else "FAIL"


def get(result: Result, *path: str) -> Any:
    """Return result[path…] or None when any step is missing."""
    for key in path:
        if not isinstance(result, dict) or key not in result:
            return None
        result = result[key]
    return result


def overlap(a: Sequence[Sequence[str]] | None, b: Sequence[Sequence[str]] | None) -> float | None:
    """Mean share of top-k ids two rankings have in common, query by query."""
    if not a or not b or len(a) != len(b):
        return None
    shares = [len(set(x) & set(y)) / max(len(x), len(y), 1) for x, y in zip(a, b, strict=True)]
    return statistics.fmean(shares)


def build_rows(args: argparse.Namespace, res: Result) -> list[Row]:
    """Turn the measurements into table rows (engine, target, status, three baselines)."""
    base, prep, serve, rank, cli = (
        res.get(k, {}) for k in ("baselines", "prepare", "serve", "rank", "cli")
    )
    missing = res.get("engine_missing")
    naive_n, bm25_n = get(base, "naive", "n"), get(base, "bm25", "n")
    naive_note = f"{naive_n} queries" if naive_n else ""
    bm25_note = f"{bm25_n} queries" if bm25_n else ""

    def engine_cell(value: str, status: str, part: Result) -> tuple[str, str]:
        if missing:
            return "n/a", "n/a"
        if "error" in part:
            return "error", "FAIL"
        return value, status

    rows: list[Row] = []
    q = get(serve, "query") or {}
    cells = engine_cell(fmt_ms(q.get("p50_ms")), check(q.get("p50_ms"), P50_MS), serve)
    rows.append(
        Row(
            "latency_p50",
            f"top-{TOP} query latency p50, tokenisation included ({args.queries} queries)",
            *cells[:1],
            f"≤ {P50_MS:g} ms",
            cells[1],
            naive=_with_note(fmt_ms(get(base, "naive", "p50_ms")), naive_note),
            bm25=_with_note(fmt_ms(get(base, "bm25", "p50_ms")), bm25_note),
            plain=_amortised(base, args.batch),
        )
    )
    cells = engine_cell(fmt_ms(q.get("p95_ms")), check(q.get("p95_ms"), P95_MS), serve)
    rows.append(
        Row(
            "latency_p95",
            "top-10 query latency p95, tokenisation included",
            *cells[:1],
            f"≤ {P95_MS:g} ms",
            cells[1],
            naive=fmt_ms(get(base, "naive", "p95_ms")),
            bm25=fmt_ms(get(base, "bm25", "p95_ms")),
        )
    )
    cells = engine_cell(fmt_ms(q.get("p99_ms")), "info", serve)
    rows.append(
        Row(
            "latency_p99",
            "top-10 query latency p99 (max in brackets)",
            f"{cells[0]} ({fmt_ms(q.get('max_ms'))})"
            if cells[0] not in ("n/a", "error")
            else cells[0],
            "—",
            cells[1],
            naive=fmt_ms(get(base, "naive", "p99_ms")),
            bm25=fmt_ms(get(base, "bm25", "p99_ms")),
        )
    )
    split = f"{fmt_ms(get(serve, 'query_features', 'p50_ms'))} + {fmt_ms(get(serve, 'query_search', 'p50_ms'))}"
    rows.append(
        Row(
            "latency_split",
            "  of which p50 tokenisation + p50 search",
            *engine_cell(split, "info", serve)[:1],
            "—",
            engine_cell("", "info", serve)[1],
        )
    )
    if get(serve, "query_filtered"):
        value = (
            fmt_ms(get(serve, "query_filtered", "p50_ms"))
            + " / "
            + fmt_ms(get(serve, "query_filtered", "p95_ms"))
        )
        rows.append(
            Row(
                "latency_filtered",
                "  index.search p50 / p95 with filters (same domain, local firms only)",
                *engine_cell(value, "info", serve)[:1],
                "—",
                engine_cell("", "info", serve)[1],
            )
        )
    add = get(serve, "add_with_features", "p50_ms")
    cells = engine_cell(
        fmt_ms(add) + f" (p95 {fmt_ms(get(serve, 'add_with_features', 'p95_ms'))})",
        check(add, ADD_MS),
        serve,
    )
    rows.append(
        Row(
            "add_with_features",
            f"add one listing to the live index, tokenisation included (median of {args.adds})",
            cells[0],
            f"≤ {ADD_MS:g} ms",
            cells[1],
            naive="0 (no index: refit per query)",
            bm25=_with_note(fmt_s(get(base, "bm25", "build_s")), "full rebuild"),
            plain=_with_note(fmt_s(get(base, "plain", "fit_from_tokens_s")), "full refit"),
        )
    )
    add = get(serve, "add_only", "p50_ms")
    cells = engine_cell(
        fmt_ms(add) + f" (p95 {fmt_ms(get(serve, 'add_only', 'p95_ms'))})",
        check(add, ADD_MS),
        serve,
    )
    rows.append(
        Row(
            "add_only",
            "  index.add alone, features given (median)",
            cells[0],
            f"≤ {ADD_MS:g} ms",
            cells[1],
        )
    )
    cells = engine_cell(fmt_ms(get(serve, "remove", "p50_ms")), "info", serve)
    rows.append(Row("remove", "  index.remove (median)", cells[0], "—", cells[1]))
    build = get(serve, "build_s")
    cells = engine_cell(fmt_s(build), check(build, REBUILD_S), serve)
    rows.append(
        Row(
            "rebuild",
            f"full build of the {args.capabilities:,}-listing index from stored features "
            "(JSON decode and topic fit included)",
            cells[0],
            f"≤ {REBUILD_S:g} s",
            cells[1],
            bm25=_with_note(fmt_s(get(base, "bm25", "build_s")), "BM25Okapi from tokens"),
            plain=_with_note(
                fmt_s(get(base, "plain", "fit_from_tokens_s")), "fit_transform from tokens"
            ),
        )
    )
    cells = engine_cell(fmt_s(get(serve, "topics_s")), "info", serve)
    rows.append(
        Row(
            "topics",
            "  of which the topic space (sample of both sides, fit, projection)",
            cells[0],
            "—",
            cells[1],
        )
    )
    rebuild = get(serve, "rebuild", "total_s")
    cells = engine_cell(fmt_s(rebuild), check(rebuild, REBUILD_S), serve)
    rows.append(
        Row(
            "rebuild_live",
            "  rebuild while the old index is still live",
            cells[0],
            f"≤ {REBUILD_S:g} s",
            cells[1],
        )
    )
    memory = get(serve, "rss_serving_mib")
    cells = engine_cell(f"{memory:.0f} MiB" if memory else "—", check(memory, MEMORY_MIB), serve)
    rows.append(
        Row(
            "memory",
            "peak RSS of the serving process (engine + index built + queries + adds)",
            cells[0],
            f"≤ {MEMORY_MIB:g} MiB",
            cells[1],
            plain=_with_note(_mib(get(base, "peak_rss_mib_process")), "whole baselines process"),
        )
    )
    extra = get(serve, "rss_rebuild_mib")
    cells = engine_cell(
        f"{get(serve, 'rss_engine_loaded_mib'):.0f} / {extra:.0f} MiB" if extra else "—",
        "info",
        serve,
    )
    rows.append(
        Row(
            "memory_detail",
            "  RSS with the engine loaded, before indexing / peak during a live rebuild",
            cells[0],
            "—",
            cells[1],
        )
    )
    pairs = get(serve, "all_pairs", "seconds")
    pairs_n = get(serve, "all_pairs", "queries") or args.scenarios
    cells = engine_cell(fmt_s(pairs), check(pairs, ALL_PAIRS_S), serve)
    rows.append(
        Row(
            "all_pairs",
            f"all-pairs top-10, {pairs_n:,} × {args.capabilities:,} (index.search_many, stored features)",
            cells[0],
            f"≤ {ALL_PAIRS_S:g} s",
            cells[1],
            naive=_extrapolated(get(base, "naive", "mean_ms"), pairs_n),
            bm25=_extrapolated(get(base, "bm25", "mean_ms"), pairs_n),
        )
    )
    plain_rank = get(base, "plain", "rank_s")
    engine_rank = get(rank, "rank_s")
    limit = plain_rank * BATCH_RATIO if plain_rank else None
    ratio = f" ({engine_rank / plain_rank:.2f}×)" if engine_rank and plain_rank else ""
    cells = engine_cell(fmt_s(engine_rank) + ratio, check(engine_rank, limit or 0), rank)
    rows.append(
        Row(
            "batch_rank",
            f"batch engine.rank {args.batch:,} × {args.capabilities:,}, tokenisation included",
            cells[0],
            f"≤ {BATCH_RATIO:g} × plain = {fmt_s(limit)}",
            cells[1],
            naive=_extrapolated(get(base, "naive", "mean_ms"), args.batch),
            bm25=_extrapolated(
                get(base, "bm25", "mean_ms"), args.batch, get(base, "bm25", "build_s")
            ),
            plain=fmt_s(plain_rank),
        )
    )
    plain_e2e = get(base, "plain", "end_to_end_s")
    cli_s = get(cli, "seconds")
    limit = plain_e2e * BATCH_RATIO if plain_e2e else None
    ratio = f" ({cli_s / plain_e2e:.2f}×)" if cli_s and plain_e2e else ""
    if res.get("skip_cli"):
        cells = ("skipped", "n/a")
    else:
        cells = engine_cell(fmt_s(cli_s) + ratio, check(cli_s, limit or 0), cli)
    rows.append(
        Row(
            "cli_rank",
            f"`python -m app.matching rank` {args.batch:,} × {args.capabilities:,}, JSONL in and out",
            cells[0],
            f"≤ {BATCH_RATIO:g} × plain = {fmt_s(limit)}",
            cells[1],
            plain=_with_note(fmt_s(plain_e2e), "read + load + rank + write"),
        )
    )
    agreement = overlap(get(rank, "top_ids"), get(base, "plain", "top_ids"))
    cells = engine_cell(f"{agreement:.2f}" if agreement is not None else "—", "info", rank)
    rows.append(
        Row(
            "agreement",
            "top-10 overlap with the plain ranker on the batch (sanity check)",
            cells[0],
            "—",
            cells[1],
        )
    )
    per = get(prep, "features_ms_per_listing")
    cells = engine_cell(fmt_ms(per), "info", prep)
    rows.append(
        Row(
            "features",
            "engine.features per listing (tokenising the corpus once, for storage)",
            cells[0],
            "—",
            cells[1],
            plain=_with_note(_per_listing(base, args), "jieba tokens"),
        )
    )
    return rows


def _with_note(value: str, note: str) -> str:
    return f"{value} ({note})" if note and value != "—" else value


def _mib(value: float | None) -> str:
    return f"{value:.0f} MiB" if value else "—"


def _amortised(base: Result, batch: int) -> str:
    seconds = get(base, "plain", "rank_s")
    if not seconds:
        return "—"
    return f"{fmt_ms(seconds / batch * 1000)} (batch / {batch:,}, amortised)"


def _extrapolated(mean_ms: float | None, queries: int, fixed_s: float | None = None) -> str:
    if mean_ms is None:
        return "—"
    return f"≈ {fmt_s(mean_ms * queries / 1000 + (fixed_s or 0))} (extrapolated)"


def _per_listing(base: Result, args: argparse.Namespace) -> str:
    seconds = get(base, "plain", "tokenize_s")
    if not seconds:
        return "—"
    return fmt_ms(seconds / (args.capabilities + args.batch) * 1000)


def markdown_table(rows: Sequence[Row]) -> str:
    """Render the rows as a Markdown table."""
    header = (
        "operation",
        "engine",
        "target",
        "result",
        "naive TF-IDF refit",
        "rank_bm25 get_scores",
        "plain jieba + scikit-learn",
    )
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        cells = (
            r.operation,
            r.engine,
            r.target,
            f"**{r.status}**" if r.status in ("PASS", "FAIL") else r.status,
            r.naive,
            r.bm25,
            r.plain,
        )
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


TEMPLATE = """\
# Matching performance

Generated by `make bench` (`python -m tooling.matching.bench`); do not edit by hand, run it again.

**Method.** The harness generates a deterministic synthetic corpus from the seed vocabulary
(`seed/matching/dict.txt` by section, the taxonomy's domains, tags and districts, the synonym
groups when present, sentence frames written for the purpose; Zipf-like word choice; titles
6–20 characters, descriptions 120–300, 3–8 keywords, 1–3 domains, 85% local firms), writes it
as JSONL and measures each part in a fresh child process, one after the other:

1. *Baselines* — the plain jieba + scikit-learn batch ranker end to end (tokenise all, one
   TfidfVectorizer fit, blocked cosine, argpartition top-10); then, on the candidates' cached
   tokens, the naive per-query TfidfVectorizer refit and rank_bm25's `get_scores` (BM25Okapi
   built once), each on a **sample** of queries and reported **per query** (query tokenisation
   included), with all-pairs and batch figures extrapolated from the per-query mean.
2. *Engine, storage* — `engine.features` for every listing, stored as JSON lines (the database).
3. *Engine, serving* — a fresh process loads the engine, builds the index from the stored
   features (JSON decode included, streamed as the application streams its rows) and fits
   the topic space as the application does (an even sample of both sides' stored
   features), times {queries} queries as `engine.features(query)` +
   `index.search(…, top=10)` after {warmup} warm-up queries, adds {adds} new listings
   (with and without tokenisation), removes them, records its peak RSS (`ru_maxrss`), rebuilds
   the same way while the old index is still live, then runs all-pairs `index.search_many` on stored
   scenario features.
4. *Engine, batch* — a fresh process runs `engine.rank` ({batch} scenarios × all capabilities,
   tokenisation included); then `python -m app.matching rank` is timed from process start to
   output written, against the plain ranker's end-to-end time (JSONL read + tokenizer load +
   rank + write).

Scenarios are the queries, capabilities the candidates. The targets are the issue's, set for
100,000 capabilities × 10,000 scenarios on a 2-core machine; a smaller run shows them for
reference only.

## Results

- Machine: **{cores} cores** (`os.cpu_count()`), {machine}
- Python {python}; {versions}
- Date: {date}; whole run {duration}
- Scale: {capabilities:,} capabilities, {scenarios:,} scenarios; {queries} timed queries,
  naive refit on {naive} queries, BM25 on {bm25} queries, batch {batch:,} scenarios; seed {seed}
- Command: `{command}`

{table}
{notes}
"""


def library_versions() -> str:
    """Return the versions of the libraries the engine and baselines use."""
    parts = []
    for name in ("jieba", "jieba_fast", "scikit-learn", "numpy", "scipy", "rank-bm25"):
        try:
            parts.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            if name != "jieba_fast":  # optional: only some engine versions use it
                parts.append(f"{name} (not installed)")
    return ", ".join(parts)


def render(args: argparse.Namespace, res: Result, rows: Sequence[Row], command: str) -> str:
    """Fill the template with the results."""
    notes = []
    stats = res.get("corpus")
    if stats:
        notes.append(
            f"- Corpus: generated in {fmt_s(stats['seconds'])}; {stats['vocabulary']:,} distinct "
            f"words to draw from; capabilities average {stats['title_chars']:.1f}-character "
            f"titles, {stats['description_chars']:.0f}-character descriptions, "
            f"{stats['keywords']:.1f} keywords; {stats['local_share']:.0%} local firms."
        )
    if args.inline:
        notes.append(
            "- Measured inline (`--inline`): one process for everything, so the memory figures "
            "include the corpus and the baselines."
        )
    if res.get("engine_missing"):
        notes.append(f"- The engine could not be loaded: {res['engine_missing']}")
    for key in ("baselines", "prepare", "serve", "rank", "cli"):
        error = get(res, key, "error")
        if error:
            last = error.strip().splitlines()[-1]
            notes.append(f"- {key} failed: `{last}`")
    fails = [r.operation.strip() for r in rows if r.status == "FAIL"]
    notes.append(f"- Targets missed: {', '.join(fails)}." if fails else "- Every target met.")
    return TEMPLATE.format(
        cores=os.cpu_count(),
        machine=f"{platform.machine()} {platform.system()} {platform.release()}",
        python=platform.python_version(),
        versions=library_versions(),
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        duration=f"{res.get('duration_s', 0) / 60:.1f} min",
        capabilities=args.capabilities,
        scenarios=args.scenarios,
        queries=args.queries,
        warmup=WARMUP,
        adds=args.adds,
        naive=args.naive_queries,
        bm25=args.bm25_queries,
        batch=args.batch,
        seed=args.seed,
        command=command,
        table=markdown_table(rows),
        notes="\n".join(notes) + "\n",
    )


# --------------------------------------------------------------------------- driver


QUICK = {
    "capabilities": 5_000,
    "scenarios": 500,
    "queries": 100,
    "adds": 50,
    "batch": 200,
    "naive_queries": 5,
    "bm25_queries": 10,
}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line (full scale by default; --quick for a smoke run)."""
    parser = argparse.ArgumentParser(prog="python -m tooling.matching.bench", description=__doc__)
    parser.add_argument("--capabilities", type=int, help="candidates (default 100000)")
    parser.add_argument("--scenarios", type=int, help="scenarios for all-pairs (default 10000)")
    parser.add_argument("--queries", type=int, help="timed single queries (default 500)")
    parser.add_argument("--adds", type=int, help="listings added to the live index (default 200)")
    parser.add_argument("--batch", type=int, help="scenarios of the batch rank (default 2000)")
    parser.add_argument("--naive-queries", type=int, help="sample for the naive refit (default 20)")
    parser.add_argument("--bm25-queries", type=int, help="sample for rank_bm25 (default 50)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small run (5,000 × 500); writes no file unless --out is given",
    )
    parser.add_argument(
        "--out", type=Path, help=f"Markdown report (default {DEFAULT_OUT.relative_to(ROOT)})"
    )
    parser.add_argument("--json", type=Path, help="also write the raw measurements as JSON")
    parser.add_argument("--work", type=Path, help="keep the generated corpus in this folder")
    parser.add_argument("--seed", type=int, default=corpus.DEFAULT_SEED)
    parser.add_argument("--engine", default=DEFAULT_ENGINE, help="engine class as module:name")
    parser.add_argument(
        "--skip-cli", action="store_true", help="do not time `python -m app.matching rank`"
    )
    parser.add_argument(
        "--inline",
        action="store_true",
        help="measure in this process (faster start; memory figures are polluted)",
    )
    parser.add_argument(
        "--timeout", type=float, default=900.0, help="limit per child process, seconds"
    )
    args = parser.parse_args(argv)
    defaults = (
        QUICK
        if args.quick
        else {
            "capabilities": 100_000,
            "scenarios": 10_000,
            "queries": 500,
            "adds": 200,
            "batch": 2_000,
            "naive_queries": 20,
            "bm25_queries": 50,
        }
    )
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.out is None and not args.quick:
        args.out = DEFAULT_OUT
    args.batch = min(args.batch, args.scenarios)
    args.queries = min(args.queries, args.scenarios - WARMUP)
    return args


def generate(args: argparse.Namespace, work: Path) -> Result:
    """Write capabilities, scenarios, the batch scenarios and the listings to add as JSONL."""
    started = time.perf_counter()
    vocabulary = corpus.load_vocabulary(seed=args.seed)
    caps = corpus.capabilities(args.capabilities, args.seed, vocabulary)
    stats = {
        "vocabulary": vocabulary.size,
        "title_chars": statistics.fmean(len(c.title) for c in caps),
        "description_chars": statistics.fmean(len(c.description) for c in caps),
        "keywords": statistics.fmean(len(c.tags) for c in caps),
        "local_share": statistics.fmean(bool(c.is_local) for c in caps),
    }
    corpus.write_jsonl(work / "capabilities.jsonl", caps)
    del caps
    scens = corpus.scenarios(args.scenarios, args.seed, vocabulary)
    corpus.write_jsonl(work / "scenarios.jsonl", scens)
    corpus.write_jsonl(work / "batch_scenarios.jsonl", scens[: args.batch])
    adds = corpus.capabilities(args.adds, args.seed, vocabulary, start=args.capabilities)
    corpus.write_jsonl(work / "adds.jsonl", adds)
    return {**stats, "seconds": time.perf_counter() - started}


def measure(args: argparse.Namespace, work: Path) -> Result:
    """Run every measurement and return the raw results."""
    res: Result = {}
    log(f"generating {args.capabilities:,} capabilities and {args.scenarios:,} scenarios in {work}")
    res["corpus"] = generate(args, work)
    log(f"corpus ready in {res['corpus']['seconds']:.1f} s")
    common = {"timeout": args.timeout, "inline": args.inline}

    log("baselines: plain batch ranker, naive refit sample, rank_bm25 sample")
    res["baselines"] = run_child(
        "baselines_child",
        work=str(work),
        candidates=args.capabilities,
        batch=args.batch,
        naive_queries=args.naive_queries,
        bm25_queries=args.bm25_queries,
        **common,
    )
    _report_step("baselines", res["baselines"])

    res["engine_missing"] = engine_available(args.engine)
    if res["engine_missing"]:
        log(f"engine not available, its rows are n/a: {res['engine_missing']}")
        return res
    log("engine: features for every listing, stored as JSON")
    res["prepare"] = run_child(
        "engine_prepare_child",
        work=str(work),
        engine_spec=args.engine,
        candidates=args.capabilities,
        scenarios=args.scenarios,
        **common,
    )
    _report_step("prepare", res["prepare"])
    if "error" not in res["prepare"]:
        log("engine: serving process (build, queries, adds, rebuild, all-pairs)")
        res["serve"] = run_child(
            "engine_serve_child",
            work=str(work),
            engine_spec=args.engine,
            queries=args.queries,
            adds=args.adds,
            all_pairs=args.scenarios,
            **common,
        )
        _report_step("serve", res["serve"])
    log(f"engine: batch rank {args.batch:,} × {args.capabilities:,}")
    res["rank"] = run_child(
        "engine_rank_child",
        work=str(work),
        engine_spec=args.engine,
        candidates=args.capabilities,
        batch=args.batch,
        **common,
    )
    _report_step("rank", res["rank"])
    if args.skip_cli:
        res["skip_cli"] = True
    else:
        log("engine: python -m app.matching rank")
        res["cli"] = cli_rank(work, args.timeout)
        _report_step("cli", res["cli"])
    return res


def _report_step(name: str, result: Result) -> None:
    if "error" in result:
        log(f"{name} FAILED: {result['error'].strip().splitlines()[-1]}")
    else:
        log(f"{name} done in {result.get('wall_s', result.get('seconds', 0)):.1f} s")


def _terminate(signum: int, _frame: Any) -> None:
    """Turn SIGTERM into an exception so that cleanup code runs."""
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the table, write the report; exit 0 even if a target is missed."""
    args = parse_args(argv)
    started = time.perf_counter()
    # SIGTERM unwinds like Ctrl-C: children are ended and the temporary corpus removed.
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        if args.work is not None:
            args.work.mkdir(parents=True, exist_ok=True)
            res = measure(args, args.work)
        else:
            with tempfile.TemporaryDirectory(prefix="bench-") as work:
                res = measure(args, Path(work))
    finally:
        signal.signal(signal.SIGTERM, previous)
    res["duration_s"] = time.perf_counter() - started
    rows = build_rows(args, res)
    command = "python -m tooling.matching.bench " + shlex.join(
        sys.argv[1:] if argv is None else argv
    )
    report = render(args, res, rows, command.strip())
    sys.stdout.write(markdown_table(rows))
    log(f"whole run {res['duration_s'] / 60:.1f} min")
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report, encoding="utf-8")
        log(f"wrote {args.out}")
    if args.json is not None:
        raw = {k: v for k, v in res.items()}
        for part in ("baselines", "rank"):
            for key in ("top_ids",):
                for holder in (get(raw, part, "plain"), raw.get(part)):
                    if isinstance(holder, dict):
                        holder.pop(key, None)
        raw["rows"] = [asdict(r) for r in rows]
        raw["args"] = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
        args.json.write_text(json.dumps(raw, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0
