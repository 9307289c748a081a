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
from app.matching.calibration import DEFAULT_CALIBRATION_PATH
from app.matching.io import InputError, read_capabilities, read_qrels, read_scenarios
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
    evaluate.add_argument(
        "--review-probability",
        type=float,
        default=0.5,
        help="estimated probability a pair needs to be queued (precision is reported there)",
    )
    calibrate = commands.add_parser(
        "calibrate", help="fit the score-to-probability calibration on a dev set and write it"
    )
    calibrate.add_argument("--data", type=Path, required=True, help="dev-set folder")
    calibrate.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_CALIBRATION_PATH,
        help="file to write (default: seed/matching/calibration.json)",
    )
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


def run_evaluate(args: argparse.Namespace) -> None:
    """Cross-validated held-out figures of the engine, BM25 and TF-IDF, with calibration."""
    from app.matching.evaluation import evaluate, format_table  # scikit-learn: ~0.6 s

    started = time.perf_counter()
    rows, chosen = evaluate(args.data, default_matcher(), args.top, args.review_probability)
    sys.stdout.write(
        "Held-out figures, 5 folds by scenario (seed 0): the CV-selected engine chooses its\n"
        "configuration on the other folds; ECE and precision use a calibration fitted on the\n"
        "other folds' pairs of each direction (relevant = grade >= 1, pairs of the top k).\n\n"
    )
    sys.stdout.write(format_table(rows, args.top, args.review_probability))
    sys.stdout.write("\nconfiguration chosen per fold: " + "; ".join(chosen) + "\n")
    sys.stdout.write(f"({time.perf_counter() - started:.1f} s)\n")


def run_calibrate(args: argparse.Namespace) -> None:
    """Fit the calibration of the shipped engine on DIR and write it."""
    from app.matching.evaluation import calibrate

    data = calibrate(args.data, default_matcher())
    write_atomically(args.out, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.write(f"a={data['a']} b={data['b']} pairs={data['pairs']}\nwrote {args.out}\n")


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
        elif args.command == "calibrate":
            run_calibrate(args)
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
