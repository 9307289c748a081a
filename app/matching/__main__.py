"""Command line: batch `rank` of JSONL listings, `evaluate` and `tune` on a labelled dev set."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from app.matching import default_matcher
from app.matching.io import InputError, read_capabilities, read_qrels, read_scenarios
from app.matching.metrics import Scores, evaluate_run, transpose
from app.matching.types import Listing, Match
from app.matching.weights import DEFAULT_WEIGHTS_PATH

Ranker = Callable[[Sequence[Listing], Sequence[Listing], int], list[list[Match]]]
ID_KEYS = {"s2c": ("scenario_id", "capability_id"), "c2s": ("capability_id", "scenario_id")}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(prog="python -m app.matching", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    rank = commands.add_parser("rank", help="rank JSONL listings, one JSON line per query")
    rank.add_argument("--scenarios", type=Path, required=True)
    rank.add_argument("--capabilities", type=Path, required=True)
    rank.add_argument("--direction", choices=sorted(ID_KEYS), default="s2c")
    rank.add_argument("--top", type=int, default=10)
    rank.add_argument("--out", type=Path, help="output file (default: standard output)")
    evaluate = commands.add_parser("evaluate", help="score the engine and baselines on a dev set")
    evaluate.add_argument(
        "--data",
        type=Path,
        required=True,
        help="folder with scenarios.jsonl, capabilities.jsonl, qrels.tsv",
    )
    evaluate.add_argument("--top", type=int, default=10, help="cut-off k of the metrics")
    tune = commands.add_parser(
        "tune", help="choose the weights by cross-validation on a dev set and write them"
    )
    tune.add_argument(
        "--data",
        type=Path,
        required=True,
        help="folder with scenarios.jsonl, capabilities.jsonl, qrels.tsv",
    )
    tune.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_WEIGHTS_PATH,
        help="weights file to write (default: seed/matching/weights.json)",
    )
    return parser.parse_args(argv)


def ranking_lines(
    queries: Sequence[Listing], results: Sequence[Sequence[Match]], direction: str
) -> str:
    """Render rankings in the dev set's JSONL exchange format."""
    query_key, item_key = ID_KEYS[direction]
    lines = []
    for query, matches in zip(queries, results, strict=True):
        ranked = [{item_key: m.id, "score": m.score, "terms": list(m.terms)} for m in matches]
        lines.append(json.dumps({query_key: query.id, "ranked": ranked}, ensure_ascii=False))
    return "".join(f"{line}\n" for line in lines)


def write_atomically(path: Path, text: str) -> None:
    """Write text to path through a temporary file in the same folder and a rename."""
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 -- closed before the rename below
        "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", delete=False
    )
    try:
        with handle:
            handle.write(text)
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def run_rank(args: argparse.Namespace) -> None:
    """Rank scenarios against capabilities and write the JSONL result."""
    scenarios = read_scenarios(args.scenarios)
    capabilities = read_capabilities(args.capabilities)
    queries, candidates = (
        (scenarios, capabilities) if args.direction == "s2c" else (capabilities, scenarios)
    )
    results = default_matcher().rank(queries, candidates, top=args.top)
    text = ranking_lines(queries, results, args.direction)
    if args.out is None:
        sys.stdout.write(text)
    else:
        write_atomically(args.out, text)


def score_system(
    ranker: Ranker,
    scenarios: Sequence[Listing],
    capabilities: Sequence[Listing],
    qrels: dict[str, dict[str, int]],
    k: int,
) -> tuple[Scores, Scores]:
    """Return the s2c and c2s scores of one ranker."""
    c2s_qrels = transpose(qrels)
    by_id = {c.id: c for c in capabilities}
    c2s_queries = [by_id[c] for c in sorted(c2s_qrels) if c in by_id]
    runs = []
    for queries, candidates in ((scenarios, capabilities), (c2s_queries, scenarios)):
        results = ranker(queries, candidates, k)
        runs.append({q.id: [m.id for m in ms] for q, ms in zip(queries, results, strict=True)})
    scenario_ids = {s.id for s in scenarios}
    return (
        evaluate_run(runs[0], {s: j for s, j in qrels.items() if s in scenario_ids}, k),
        evaluate_run(runs[1], {c: j for c, j in c2s_qrels.items() if c in by_id}, k),
    )


def format_table(rows: Sequence[tuple[str, Scores, Scores, float]], k: int) -> str:
    """Render one row per system with s2c and c2s metrics and query counts."""
    header = (
        f"{'system':<18}{'s2c nDCG@' + str(k):>12}{'R@' + str(k):>8}{'MRR':>8}{'n':>5}"
        f"{'c2s nDCG@' + str(k):>14}{'R@' + str(k):>8}{'MRR':>8}{'n':>5}{'sec':>7}"
    )
    lines = [header, "-" * len(header)]
    for name, s2c, c2s, seconds in rows:
        lines.append(
            f"{name:<18}{s2c.ndcg:>12.4f}{s2c.recall:>8.4f}{s2c.mrr:>8.4f}"
            f"{s2c.queries:>5}{c2s.ndcg:>14.4f}{c2s.recall:>8.4f}{c2s.mrr:>8.4f}"
            f"{c2s.queries:>5}{seconds:>7.2f}"
        )
    return "\n".join(lines) + "\n"


def run_evaluate(args: argparse.Namespace) -> None:
    """Score the engine and both baselines on DIR and print the table."""
    from app.matching.baselines import bm25_rank, plain_tfidf_rank  # scikit-learn: ~0.6 s

    scenarios = read_scenarios(args.data / "scenarios.jsonl")
    capabilities = read_capabilities(args.data / "capabilities.jsonl")
    qrels = read_qrels(args.data / "qrels.tsv")
    matcher = default_matcher()
    systems: list[tuple[str, Ranker]] = [
        ("engine", matcher.rank),
        ("BM25 baseline", lambda q, c, k: bm25_rank(q, c, k, tokenizer=matcher.tokenizer)),
        ("plain TF-IDF", lambda q, c, k: plain_tfidf_rank(q, c, k, tokenizer=matcher.tokenizer)),
    ]
    rows = []
    for name, ranker in systems:
        started = time.perf_counter()
        s2c, c2s = score_system(ranker, scenarios, capabilities, qrels, args.top)
        rows.append((name, s2c, c2s, time.perf_counter() - started))
    sys.stdout.write(format_table(rows, args.top))


def run_tune(args: argparse.Namespace) -> None:
    """Cross-validate the tuning recipes on DIR, print the figures, write the chosen weights."""
    from app.matching.tune import format_report, tune, weights_json  # scikit-learn: ~0.6 s

    scenarios = read_scenarios(args.data / "scenarios.jsonl")
    capabilities = read_capabilities(args.data / "capabilities.jsonl")
    qrels = read_qrels(args.data / "qrels.tsv")
    engine = default_matcher()
    result = tune(engine, scenarios, capabilities, qrels)
    sys.stdout.write(format_report(result))
    payload = json.dumps(weights_json(result, args.data), ensure_ascii=False, indent=2)
    write_atomically(args.out, payload + "\n")
    sys.stdout.write(f"wrote {args.out}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return 2 with `error: FILE:LINE: reason` on bad input."""
    args = parse_args(argv)
    try:
        if args.command == "rank":
            run_rank(args)
        elif args.command == "tune":
            run_tune(args)
        else:
            run_evaluate(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
