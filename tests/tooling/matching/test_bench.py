"""The benchmark harness at a tiny scale: corpus shape, baselines, report structure (no timings)."""

from __future__ import annotations

import json
import os
import statistics
from pathlib import Path

import pytest

import app.matching
from tooling.matching.bench import baselines, corpus, run

TINY = [
    "--capabilities", "1000",
    "--scenarios", "100",
    "--queries", "20",
    "--adds", "10",
    "--batch", "20",
    "--naive-queries", "2",
    "--bm25-queries", "3",
    "--inline",  # no process per measurement: a few seconds instead of twenty
    "--skip-cli",
]  # fmt: skip
ENGINE_ROWS = {
    "latency_p50", "latency_p95", "add_with_features", "add_only", "rebuild", "memory",
    "all_pairs", "batch_rank",
}  # fmt: skip


@pytest.fixture(scope="module")
def vocabulary() -> corpus.Vocabulary:
    return corpus.load_vocabulary()


def test_corpus_is_deterministic_and_prefix_stable(vocabulary: corpus.Vocabulary) -> None:
    small = corpus.capabilities(50, vocabulary=vocabulary)
    again = corpus.capabilities(80, vocabulary=vocabulary)
    assert small == again[:50]
    assert corpus.scenarios(5, vocabulary=vocabulary) == corpus.scenarios(5)
    assert corpus.capabilities(5, seed=1) != corpus.capabilities(5, seed=2)


def test_corpus_has_realistic_shape(vocabulary: corpus.Vocabulary) -> None:
    caps = corpus.capabilities(1000, vocabulary=vocabulary)
    scens = corpus.scenarios(200, vocabulary=vocabulary)
    for listing in caps + scens:
        assert 6 <= len(listing.title) <= 20
        assert 120 <= len(listing.description) <= 300
        assert set(listing.domains) <= set(vocabulary.domains)
    assert all(3 <= len(c.tags) <= 8 and 1 <= len(c.domains) <= 3 for c in caps)
    assert all(len(s.domains) == 1 and s.district for s in scens)
    assert 0.8 <= statistics.fmean(c.is_local for c in caps) <= 0.9
    assert len({c.id for c in caps}) == len(caps)
    # Zipf-like: the most common dictionary word is far more frequent than the median one.
    text = "".join(c.description for c in caps)
    counts = sorted((text.count(w) for w in vocabulary.pools["T"][0]), reverse=True)
    assert counts[0] > 10 * max(counts[len(counts) // 2], 1)


def test_corpus_round_trips_through_jsonl(tmp_path: Path, vocabulary: corpus.Vocabulary) -> None:
    listings = corpus.capabilities(3, vocabulary=vocabulary) + corpus.scenarios(3)
    corpus.write_jsonl(tmp_path / "x.jsonl", listings)
    assert corpus.read_jsonl(tmp_path / "x.jsonl") == listings
    assert corpus.read_jsonl(tmp_path / "x.jsonl", limit=2) == listings[:2]


def test_synonym_groups_are_read(tmp_path: Path) -> None:
    path = tmp_path / "synonyms.txt"
    path.write_text("# comment\n信号配时 ~ 红灯放行时间 ~ 配时\n\n孤词\n", encoding="utf-8")
    assert corpus.read_synonyms(path) == [("信号配时", "红灯放行时间", "配时")]
    assert corpus.read_synonyms(tmp_path / "missing.txt") == []


def test_baselines_rank_the_obvious_candidate_first(vocabulary: corpus.Vocabulary) -> None:
    tokenizer = baselines.PlainTokenizer()
    caps = corpus.capabilities(300, vocabulary=vocabulary)
    query = caps[7]
    tokens = [tokenizer.listing_tokens(c) for c in caps]
    query_tokens = tokenizer.listing_tokens(query)
    assert baselines.NaiveRefit(tokens).query(query_tokens, 5)[0][0] == 7
    assert baselines.BM25Baseline(tokens).query(query_tokens, 5)[0][0] == 7
    timings: dict[str, float] = {}
    ranked = baselines.plain_rank([query, caps[3]], caps, 5, tokenizer=tokenizer, timings=timings)
    assert [r[0][0] for r in ranked] == [7, 3]
    assert all(len(r) == 5 for r in ranked)
    assert set(timings) == {"tokenize_s", "fit_s", "score_s"}


def test_harness_writes_the_report(tmp_path: Path) -> None:
    out, raw = tmp_path / "performance.md", tmp_path / "raw.json"
    argv = [*TINY, "--out", str(out), "--json", str(raw), "--work", str(tmp_path / "work")]
    assert run.main(argv) == 0

    results = json.loads(raw.read_text(encoding="utf-8"))
    rows = {r["key"]: r for r in results["rows"]}
    engine_ready = hasattr(app.matching, "Engine") and hasattr(app.matching, "Filters")
    assert {"latency_p50", "latency_p95", "rebuild", "memory", "all_pairs", "batch_rank"} <= set(
        rows
    )
    for key in ENGINE_ROWS:
        allowed = {"PASS", "FAIL"} if engine_ready else {"n/a"}
        assert rows[key]["status"] in allowed, (key, rows[key], results.get("serve"))
    if engine_ready:
        for part in ("prepare", "serve", "rank"):
            assert "error" not in results[part], results[part]["error"]
        assert results["serve"]["index_size"] == 1000
        assert results["serve"]["query"]["n"] == 20
        assert results["serve"]["all_pairs"]["results"] == 100
    # The baselines always run; their figures appear in their own columns.
    assert "error" not in results["baselines"], results["baselines"].get("error")
    assert results["baselines"]["naive"]["n"] == 2
    assert results["baselines"]["bm25"]["n"] == 3
    assert "ms" in rows["latency_p50"]["naive"]
    assert "ms" in rows["latency_p50"]["bm25"]
    assert rows["batch_rank"]["plain"].endswith(" s")
    assert rows["cli_rank"]["engine"] == "skipped"

    report = out.read_text(encoding="utf-8")
    assert report.startswith("# Matching performance")
    assert f"**{os.cpu_count()} cores**" in report
    assert "python -m tooling.matching.bench --capabilities 1000" in report
    assert "| operation | engine | target | result |" in report
    assert "rank_bm25" in report
    assert "naive" in report
    table = [line for line in report.splitlines() if line.startswith("| ")]
    assert len(table) == len(results["rows"]) + 1  # header + one line per row
    assert all(line.count(" | ") == 6 for line in table)


def test_measurements_run_in_a_fresh_process() -> None:
    result = run.run_child("probe_child", timeout=120, value=7)
    assert result["value"] == 7
    assert result["pid"] != os.getpid()
    assert result["peak_rss_mib_process"] > 0
    failed = run.run_child("probe_child", timeout=120)  # missing argument: reported, not raised
    assert "TypeError" in failed["error"]


def test_quick_defaults_write_no_file() -> None:
    args = run.parse_args(["--quick"])
    assert args.out is None
    assert args.capabilities == run.QUICK["capabilities"]
    full = run.parse_args([])
    assert (full.capabilities, full.scenarios, full.queries) == (100_000, 10_000, 500)
    assert full.out == run.DEFAULT_OUT


def test_percentile_and_overlap() -> None:
    assert run.percentile([1, 2, 3, 4, 5], 50) == 3
    assert run.percentile([1, 2], 95) == pytest.approx(1.95)
    assert run.overlap([["a", "b"]], [["b", "c"]]) == 0.5
    assert run.overlap(None, [["a"]]) is None
