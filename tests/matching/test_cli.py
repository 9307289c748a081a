"""`python -m app.matching rank` on small JSONL files; `evaluate`, `tune`, `calibrate` passed on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.matching.__main__ import main
from app.matching.io import InputError, read_capabilities, read_qrels

ROOT = Path(__file__).resolve().parents[2]
DEVSET = ROOT.parent / "shared" / "matching-devset"

SCENARIOS = [
    {
        "id": "S1",
        "title": "老旧小区夜间停车难",
        "description": "夜间车位不足，希望泊位共享。",
        "domain": "智慧社区",
        "district": "历下区",
        "tags": ["物联网"],
        "budget_wan": None,
        "poster": "某街道",
    },
    {
        "id": "S2",
        "title": "县级医院胸部CT辅助诊断",
        "description": "放射科医生不足，肺结节漏诊。",
        "domain": "智慧医疗",
        "district": "章丘区",
        "tags": ["人工智能"],
        "budget_wan": 100,
        "poster": "某医院",
    },
]
CAPABILITIES = [
    {
        "id": "C1",
        "org_name": "甲",
        "title": "胸部CT影像辅助诊断",
        "description": "识别肺结节。",
        "keywords": ["医学影像"],
        "domains": ["智慧医疗"],
        "district": "历下区",
        "is_local": True,
    },
    {
        "id": "C2",
        "org_name": "乙",
        "title": "智慧停车泊位共享",
        "description": "夜间错时共享停车。",
        "keywords": ["智慧停车"],
        "domains": ["智慧社区"],
        "district": "历城区",
        "is_local": False,
    },
    {
        "id": "C3",
        "org_name": "丙",
        "title": "制造企业ERP",
        "description": "采购库存财务一体化。",
        "keywords": ["ERP"],
        "domains": ["工业制造"],
        "district": "高新区",
        "is_local": True,
    },
]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    """Write records as JSON lines and return the path."""
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    """Return paths of a small scenarios file and capabilities file."""
    return (
        write_jsonl(tmp_path / "s.jsonl", SCENARIOS),
        write_jsonl(tmp_path / "c.jsonl", CAPABILITIES),
    )


def rank_args(inputs: tuple[Path, Path], *extra: str) -> list[str]:
    """Build a `rank` command line for the small inputs."""
    return ["rank", "--scenarios", str(inputs[0]), "--capabilities", str(inputs[1]), *extra]


def test_rank_s2c_writes_one_line_per_scenario(
    inputs: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(rank_args(inputs)) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["scenario_id"] for line in lines] == ["S1", "S2"]
    assert [item["capability_id"] for item in lines[0]["ranked"]][0] == "C2"
    assert [item["capability_id"] for item in lines[1]["ranked"]][0] == "C1"
    first = lines[1]["ranked"][0]
    assert set(first) == {"capability_id", "score", "terms"}
    assert isinstance(first["score"], float)
    assert "胸部" in first["terms"]
    scores = [item["score"] for item in lines[0]["ranked"]]
    assert scores == sorted(scores, reverse=True)


def test_rank_c2s_with_top_writes_one_line_per_capability(
    inputs: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(rank_args(inputs, "--direction", "c2s", "--top", "1")) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["capability_id"] for line in lines] == ["C1", "C2", "C3"]
    assert [[i["scenario_id"] for i in line["ranked"]] for line in lines[:2]] == [["S2"], ["S1"]]
    assert all(len(line["ranked"]) == 1 for line in lines)


def test_rank_out_file_is_chinese_jsonl(
    inputs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "ranked.jsonl"
    assert main(rank_args(inputs, "--out", str(out))) == 0
    assert capsys.readouterr().out == ""
    text = out.read_text(encoding="utf-8")
    assert len(text.splitlines()) == 2
    assert "\\u" not in text
    assert not list(tmp_path.glob(".ranked*")), "temporary file left behind"


@pytest.mark.parametrize(
    ("bad_line", "reason"),
    [
        ("{not json", "invalid JSON"),
        ('{"id": "C9", "description": "无标题"}', "missing field 'title'"),
        ('{"id": "C9", "title": "x", "description": "y", "keywords": "AI"}', "keywords"),
        ('{"id": "C9", "title": "x", "description": "y", "is_local": "yes"}', "is_local"),
        ('{"id": "C1", "title": "x", "description": "y"}', "duplicate id"),
        ("[1, 2]", "JSON object"),
    ],
)
def test_malformed_line_exits_2_and_writes_nothing(
    inputs: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    bad_line: str,
    reason: str,
) -> None:
    text = inputs[1].read_text(encoding="utf-8").splitlines()
    text.insert(1, bad_line)
    inputs[1].write_text("\n".join(text) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(rank_args(inputs, "--out", str(out))) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"error: {inputs[1]}:2: ")
    assert reason in captured.err
    assert not out.exists()


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.jsonl"
    assert main(["rank", "--scenarios", str(missing), "--capabilities", str(missing)]) == 2
    assert "nope.jsonl" in capsys.readouterr().err


def test_module_entry_point_reports_bad_line(tmp_path: Path) -> None:
    scenarios = tmp_path / "s.jsonl"
    scenarios.write_text(json.dumps(SCENARIOS[0]) + "\n\n{oops\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = subprocess.run(  # noqa: S603 -- fixed argv, no shell
        [
            sys.executable,
            "-m",
            "app.matching",
            "rank",
            "--scenarios",
            str(scenarios),
            "--capabilities",
            str(scenarios),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 2
    assert f"{scenarios}:3:" in result.stderr
    assert result.stdout == ""
    assert not out.exists()


def write_devset(folder: Path, inputs: tuple[Path, Path]) -> Path:
    """Make folder a tiny labelled dev set from the small inputs."""
    inputs[0].rename(folder / "scenarios.jsonl")
    inputs[1].rename(folder / "capabilities.jsonl")
    (folder / "qrels.tsv").write_text(
        "scenario_id\tcapability_id\tgrade\nS1\tC2\t3\nS2\tC1\t2\n", encoding="utf-8"
    )
    return folder


def test_evaluate_is_passed_on_to_the_tooling(
    inputs: tuple[Path, Path], tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    data = write_devset(tmp_path, inputs)
    assert main(["evaluate", "--data", str(data), "--top", "5"]) == 0
    out = capfd.readouterr().out
    assert "Held-out" in out
    assert "nDCG@5" in out


def test_tooling_errors_keep_their_exit_status(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    assert main(["tune", "--data", str(tmp_path / "nope")]) == 2
    assert "nope" in capfd.readouterr().err


def test_without_the_tooling_evaluate_says_where_to_run_it(tmp_path: Path) -> None:
    # outside the checkout only the installed app is importable, as in a deployment
    result = subprocess.run(  # noqa: S603 -- this interpreter, fixed argv, no shell
        [sys.executable, "-m", "app.matching", "evaluate", "--data", str(tmp_path)],
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 2
    assert "the evaluation tooling is not installed with the app" in result.stderr
    assert "run it from a source checkout" in result.stderr


def test_read_capabilities_and_qrels(inputs: tuple[Path, Path], tmp_path: Path) -> None:
    caps = read_capabilities(inputs[1])
    assert caps[0].tags == ("医学影像",)
    assert caps[0].domains == ("智慧医疗",)
    assert caps[1].is_local is False
    qrels = tmp_path / "q.tsv"
    qrels.write_text("scenario_id\tcapability_id\tgrade\nS1\tC1\t2\nS1\tC2\tx\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"q\.tsv:3:"):
        read_qrels(qrels)
