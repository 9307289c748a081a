"""Command line: batch `rank` of JSONL listings.

`evaluate`, `tune` and `calibrate` on a labelled dev set are the tooling's
(`python -m tooling.matching`); they are passed on to it when it is beside the app.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from app.matching import default_matcher
from app.matching.io import InputError, read_capabilities, read_scenarios
from app.matching.types import Listing, Match

ID_KEYS = {"s2c": ("scenario_id", "capability_id"), "c2s": ("capability_id", "scenario_id")}
# run by the tooling beside the app (tooling/matching), from a source checkout
TOOLING_COMMANDS = {
    "evaluate": "score the engine and baselines on a dev set (python -m tooling.matching)",
    "tune": "choose the weights by cross-validation on a dev set (python -m tooling.matching)",
    "calibrate": "fit the score-to-probability calibration on a dev set (python -m tooling.matching)",
}
TOOLING_MISSING = (
    "the evaluation tooling is not installed with the app: run it from a source checkout"
)


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
    for name, help_text in TOOLING_COMMANDS.items():
        commands.add_parser(name, help=help_text)  # listed here; main passes them on unparsed
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


def tooling_root() -> Path | None:
    """The folder holding the tooling package beside the app, or None when it is absent.

    Found, never imported: the app does not depend on its tooling.
    """
    spec = importlib.util.find_spec("tooling")
    for location in (spec and spec.submodule_search_locations) or ():
        if (Path(location) / "matching" / "__main__.py").is_file():
            return Path(location).parent
    return None


def run_tooling(argv: Sequence[str]) -> int:
    """Run `python -m tooling.matching ARGV` in this interpreter; its exit status."""
    root = tooling_root()
    if root is None:
        print(f"error: {TOOLING_MISSING} (python -m tooling.matching {argv[0]})", file=sys.stderr)
        return 2
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    sys.stdout.flush()
    command = [sys.executable, "-m", "tooling.matching", *argv]
    return subprocess.run(command, env=env, check=False).returncode  # noqa: S603 -- this interpreter, the user's own arguments, no shell


def run_reporting_errors(command: Callable[[], None]) -> int:
    """Run command; return 2 with `error: FILE:LINE: reason` on bad input, else 0."""
    try:
        command()
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return 2 with `error: FILE:LINE: reason` on bad input."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in TOOLING_COMMANDS:
        return run_tooling(argv)  # the tooling parses its own options
    args = parse_args(argv)
    return run_reporting_errors(lambda: run_rank(args))


if __name__ == "__main__":
    sys.exit(main())
