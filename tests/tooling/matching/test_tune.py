"""`tune`: cross-validated weight choice on a small hand-made dev set (fast)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import tooling.matching.tune as tune_module
from app.matching import Engine, Tokenizer, Weights
from app.matching.io import read_capabilities, read_qrels, read_scenarios
from app.matching.synonyms import parse_groups
from app.matching.weights import load_weights
from tooling.matching.__main__ import main
from tooling.matching.metrics import ndcg_at_k
from tooling.matching.tune import build_data, ndcg, splits, tune, weights_json

TOPICS = [
    (
        "停车",
        "小区夜间停车难",
        "车位不足，希望错时共享停车。",
        "智慧停车泊位共享",
        "泊位错时共享停车。",
    ),
    ("影像", "胸部CT阅片压力大", "结节容易看漏。", "胸部CT影像辅助诊断", "识别肺结节。"),
    ("排产", "车间插单频繁", "排产靠表格。", "APS高级计划排程", "插单时自动排产。"),
    ("供热", "供热冷热不均", "换热站靠人工调节。", "智慧供热平衡调控", "换热站远程调节。"),
    ("档案", "馆藏档案数字化", "查档靠人工翻找。", "档案数字化加工", "文字识别全文检索。"),
    ("电梯", "电梯困人救援", "困人后靠电话求救。", "电梯物联网监测", "困人自动报警。"),
]


def write_devset(folder: Path) -> Path:
    """Six scenarios, twelve capabilities (a fit and a near miss per topic), graded labels."""
    scenarios, capabilities, qrels = [], [], ["scenario_id\tcapability_id\tgrade"]
    for i, (topic, s_title, s_text, c_title, c_text) in enumerate(TOPICS, start=1):
        scenarios.append(
            {"id": f"S{i}", "title": s_title, "description": s_text, "domain": "智慧政务"}
        )
        capabilities.append(
            {"id": f"C{i}", "title": c_title, "description": c_text, "keywords": [topic]}
        )
        capabilities.append(
            {"id": f"D{i}", "title": f"{topic}管理软件", "description": f"{topic}台账。"}
        )
        qrels += [f"S{i}\tC{i}\t3", f"S{i}\tD{i}\t1"]
    for name, rows in (("scenarios", scenarios), ("capabilities", capabilities)):
        lines = [json.dumps(r, ensure_ascii=False) for r in rows]
        (folder / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "qrels.tsv").write_text("\n".join(qrels) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def small_grid(monkeypatch: pytest.MonkeyPatch) -> None:
    """A two-configuration grid, one seed, three folds: keeps the test fast."""
    monkeypatch.setattr(tune_module, "FIELD_GRID", {"title": (3.0, 4.0)})
    monkeypatch.setattr(tune_module, "SIGNAL_GRID", (0.0, 0.2, 0.7))
    monkeypatch.setattr(tune_module, "SEEDS", (0,))
    monkeypatch.setattr(tune_module, "FOLDS", 3)


@pytest.fixture
def engine(tokenizer: Tokenizer) -> Engine:
    return Engine(tokenizer, Weights(), parse_groups([]))


def test_ndcg_matches_the_metrics_module() -> None:
    rng = np.random.default_rng(0)
    scores = rng.random((5, 30))
    grades = rng.integers(0, 4, (5, 30)) * (rng.random((5, 30)) < 0.2)
    ours = ndcg(scores, grades.astype(float))
    for q in range(5):
        ranked = [str(i) for i in np.argsort(-scores[q], kind="stable")]
        judged = {str(i): int(g) for i, g in enumerate(grades[q]) if g}
        assert ours[q] == pytest.approx(ndcg_at_k(ranked, judged) if judged else 0.0)


def test_folds_hold_each_scenario_out_once(tmp_path: Path, engine: Engine) -> None:
    folder = write_devset(tmp_path)
    data = build_data(
        engine,
        Weights(),
        read_scenarios(folder / "scenarios.jsonl"),
        read_capabilities(folder / "capabilities.jsonl"),
        read_qrels(folder / "qrels.tsv"),
    )
    folds = splits(data, seeds=(0,), k=3)
    assert sum(int(f.test_scenarios.sum()) for f in folds) == 6
    for fold in folds:
        train, test = fold.train(data), fold.test(data)
        assert not set(train["s2c"].query_ids) & set(test["s2c"].query_ids)
        assert not set(train["c2s"].candidate_ids) & set(test["s2c"].query_ids)
        assert test["c2s"].candidate_ids == data["c2s"].candidate_ids


def test_tune_reports_held_out_figures_and_a_loadable_file(
    tmp_path: Path, engine: Engine, small_grid: None
) -> None:
    folder = write_devset(tmp_path)
    result = tune(
        engine,
        read_scenarios(folder / "scenarios.jsonl"),
        read_capabilities(folder / "capabilities.jsonl"),
        read_qrels(folder / "qrels.tsv"),
        seeds=tune_module.SEEDS,
    )
    assert set(result.figures) == {"defaults", "tuned", "logistic"}
    assert all(0.0 <= v <= 1.0 for f in result.figures.values() for v in f.values())
    assert result.figures["defaults"]["s2c"] == pytest.approx(result.full["defaults"]["s2c"])
    payload = weights_json(result, folder)
    assert "held out" in payload["_comment"] or "Held-out" in payload["_comment"]
    assert Weights.from_json(payload) == result.chosen
    if not result.use_tuned:
        assert result.chosen == Weights()


def test_tune_command_writes_the_weights(
    tmp_path: Path, small_grid: None, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_devset(tmp_path)
    out = tmp_path / "weights.json"
    assert main(["tune", "--data", str(folder), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    for word in ("defaults", "tuned", "logistic", "chosen"):
        assert word in printed
    assert isinstance(load_weights(out), Weights)
    assert "_comment" in json.loads(out.read_text(encoding="utf-8"))
