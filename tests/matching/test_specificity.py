"""Specificity (background and platform), calibration and the held-out harness."""

from __future__ import annotations

import pytest

from app.matching import Engine, Listing
from app.matching.calibration import Calibration, expected_calibration_error, fit
from app.matching.specificity import (
    BackgroundFactor,
    Platform,
    background,
    is_specific,
    jieba_dictionary,
    specificity,
)
from tooling.matching.heldout import folds

GENERIC = ["系统", "平台", "数据", "生成", "自动", "中心", "管理", "服务", "数据管理", "服务平台"]
SPECIFIC = ["信号配时", "绿波协调", "跌倒检测", "输液监控", "井盖", "中间件", "摄像头"]


def test_the_background_is_jiebas_own_frequency_dictionary() -> None:
    assert jieba_dictionary().name == "dict.txt"
    assert jieba_dictionary().is_file()
    assert background("系统") < 0.05  # among the commonest words of general Chinese
    assert background("配时") == 1.0  # not in the dictionary: rare


@pytest.mark.parametrize("word", GENERIC)
def test_words_common_in_all_it_writing_are_never_reasons(word: str) -> None:
    assert not is_specific(word)


@pytest.mark.parametrize("word", SPECIFIC)
def test_domain_terms_are_specific(word: str) -> None:
    assert is_specific(word)


def test_the_platform_makes_a_word_common_on_it_less_specific() -> None:
    listings = [["视频", f"词{n}"] for n in range(60)]  # 视频 in every listing
    platform = Platform.count(listings)
    assert specificity("视频", platform) < specificity("视频")
    assert not is_specific("视频", platform)
    few = Platform.count(listings[:5])  # too few listings to say anything
    assert specificity("视频", few) == specificity("视频")


def test_the_background_factor_fades_as_the_index_grows() -> None:
    factor = BackgroundFactor(1.0, prior=25)
    assert factor.for_corpus(25)("系统") < factor.for_corpus(10_000)("系统") <= 1.0
    assert factor.for_corpus(0)("配时") == 1.0
    assert BackgroundFactor(0.0)("系统") == 1.0


def test_explanations_carry_no_generic_words() -> None:
    engine = Engine()
    scenario = Listing(
        "S1",
        "路口信号配时优化",
        "早晚高峰路口排队长，希望通过信号配时和绿波协调系统平台自动生成数据方案。",
    )
    capabilities = [
        Listing("C1", "交通信号配时优化系统", "自适应信号配时，干线绿波协调，平台自动生成数据。"),
        Listing("C2", "数据中心管理平台", "统一数据平台系统，自动生成报表，数据管理中心服务。"),
    ]
    [matches] = engine.rank([scenario], capabilities, top=2)
    assert matches[0].id == "C1"
    for match in matches:
        assert not set(match.terms) & set(GENERIC)
        assert len(match.terms) <= 5
    assert {"信号配时", "绿波协调"} & set(matches[0].terms)


def test_calibration_is_monotonic_and_invertible() -> None:
    cal = fit([0.05, 0.1, 0.12, 0.2, 0.3, 0.35, 0.4, 0.5], [0, 0, 0, 1, 0, 1, 1, 1], "test")
    assert cal.a > 0
    probabilities = [cal.probability(s / 10) for s in range(11)]
    assert probabilities == sorted(probabilities)
    assert cal.probability(cal.score_for(0.5)) == pytest.approx(0.5, abs=1e-6)
    assert Calibration.from_json(cal.to_json()) == cal
    single = fit([0.1, 0.2], [1, 1], "test")  # one class: nothing to fit
    assert single.pairs == 2


def test_expected_calibration_error() -> None:
    assert expected_calibration_error([0.9, 0.9], [True, True]) == pytest.approx(0.1)
    assert expected_calibration_error([0.5, 0.5], [True, False]) == pytest.approx(0.0)
    assert expected_calibration_error([], []) == 0.0


def test_folds_are_by_scenario_and_reproducible() -> None:
    ids = [f"S{n}" for n in range(20)]
    split = folds(ids)
    assert split == folds(list(reversed(ids)))
    assert sorted(i for fold in split for i in fold) == sorted(ids)
    assert all(len(fold) == 4 for fold in split)
