"""Traditional characters (繁體) are converted to simplified; simplified text is never changed."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.matching import Listing, Matcher, Tokenizer, text
from app.matching.features import context_clauses
from app.matching.synonyms import load_synonyms, parse_groups
from app.matching.text import (
    MAX_CHARS,
    TRADITIONAL_ONLY,
    normalise,
    parse_dict_line,
    to_simplified,
)

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seed" / "matching"
DEVSET = ROOT.parent / "shared" / "matching-devset"


def before(value: str) -> str:
    """normalise() as it was before traditional characters were converted."""
    return unicodedata.normalize("NFKC", value[: MAX_CHARS * 2])[:MAX_CHARS].lower()


def strings(value: Any) -> Iterator[str]:
    """Every string inside a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def seed_texts() -> Iterator[str]:
    """Every line of the seed dictionary, stop words and synonym tables, and its parts."""
    for path in sorted(SEED.glob("*.txt")):
        for line in path.read_text("utf-8-sig").splitlines():
            yield line
            yield from line.split()
            yield from line.split("~")
    yield from load_synonyms().members()


def devset_texts() -> Iterator[str]:
    """Every string of the dev set's listings, and each description's clauses."""
    for name in ("scenarios.jsonl", "capabilities.jsonl"):
        for line in (DEVSET / name).read_text("utf-8").splitlines():
            record = json.loads(line)
            yield from strings(record)
            yield from (clause for clause, _field in context_clauses(record["description"]))


def changed_by_normalise(texts: list[str]) -> list[str]:
    """The texts whose normal form is not what it was before, or that were handed over to
    the converter (a simplified text comes back as the very same object)."""
    changed = []
    for value in texts:
        old = before(value)
        if normalise(value) != old or to_simplified(old) is not old:
            changed.append(value)
    return changed


def test_seed_vocabulary_is_unchanged_by_normalise() -> None:
    texts = list(seed_texts())
    assert len(texts) > 3000
    assert changed_by_normalise(texts) == []


def test_devset_texts_are_unchanged_by_normalise() -> None:
    if not DEVSET.is_dir():
        pytest.skip(f"no dev set at {DEVSET}")
    texts = list(devset_texts())
    assert len(texts) > 2000
    assert changed_by_normalise(texts) == []
    descriptions = [t for t in texts if len(t) > 60]
    assert all(to_simplified(t) is t for t in descriptions)  # the raw text too, as features use it


def test_demo_listings_are_unchanged_by_normalise() -> None:
    texts = [
        t
        for name in ("scenarios.json", "capabilities.json")
        for t in strings(json.loads((ROOT / "seed" / "demo" / name).read_text("utf-8")))
    ]
    assert changed_by_normalise(texts) == []


@pytest.mark.parametrize(
    "word",
    [
        "乾坤",
        "乾隆",
        "著名",
        "显著",
        "智能著录",
        "于是",
        "於先生",
        "干部",
        "只有",
        "薰衣草",
        "宫商角徵羽",
    ],
)
def test_characters_simplified_text_uses_too_are_kept(word: str) -> None:
    assert normalise(word) == word


def test_detection_set_agrees_with_the_conversion() -> None:
    assert len(TRADITIONAL_ONLY) > 3000
    assert set("醫號誌數據後裡裏臺衞綫啓汙") <= TRADITIONAL_ONLY
    assert set("乾著於干只薰后着里台系发面范谷余沈夥徵") & TRADITIONAL_ONLY == set()
    for char in sorted(TRADITIONAL_ONLY):  # each converts, and into simplified
        converted = to_simplified(char)
        assert converted != char
        assert TRADITIONAL_ONLY.isdisjoint(converted), (char, converted)


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("醫院預約掛號系統", "医院预约挂号系统"),
        ("數據中台", "数据中台"),
        ("智慧交通號誌", "智慧交通号志"),  # characters, not Taiwan's words: 號誌 is not 信号灯
        ("乾隆年間的乾燥設備", "乾隆年间的干燥设备"),  # phrases first: 乾隆 stays, 乾燥 → 干燥
        ("顯著提升頭髮與發展", "显著提升头发与发展"),
        ("ＡＩ視覺檢測ＡＰＩ", "ai视觉检测api"),  # with NFKC and lower-casing
    ],
)
def test_traditional_text_is_converted_phrase_aware(traditional: str, simplified: str) -> None:
    assert normalise(traditional) == simplified


@pytest.mark.parametrize(
    ("variant", "simplified"),
    [
        ("衞生健康委員會", "卫生健康委员会"),  # Hong Kong glyphs
        ("綫路", "线路"),
        ("啓動", "启动"),
        ("裏面", "里面"),
        ("裡面", "里面"),  # Taiwan glyphs
        ("臺灣", "台湾"),
        ("汙水處理", "污水处理"),
        ("資訊系統", "资讯系统"),  # Taiwan words keep their word, in simplified characters
        ("軟體開發", "软体开发"),
        ("網路安全", "网路安全"),
    ],
)
def test_hong_kong_and_taiwan_variants(variant: str, simplified: str) -> None:
    assert normalise(variant) == simplified


def test_taiwan_word_stays_a_word(tokenizer: Tokenizer) -> None:
    assert tokenizer.tokens("資訊系統") == ["资讯", "系统"]


def test_mixed_text_gives_the_simplified_tokens(tokenizer: Tokenizer) -> None:
    mixed = "本院現有挂号系统只支持窗口預約，希望建设线上預約掛號平台"
    simplified = "本院现有挂号系统只支持窗口预约，希望建设线上预约挂号平台"
    assert normalise(mixed) == normalise(simplified)
    assert tokenizer.tokens(mixed) == tokenizer.tokens(simplified)
    assert tokenizer.tokens_many([mixed, "數據中台"]) == [
        tokenizer.tokens(simplified),
        tokenizer.tokens("数据中台"),
    ]


@pytest.mark.parametrize(
    "value", ["", " ", "😀🚀🎉", "😀醫院😀", "\U0002a6a5", "\ud800醫", "\x00醫\x00"]
)
def test_empty_emoji_and_odd_text_is_fine(value: str, tokenizer: Tokenizer) -> None:
    cleaned = normalise(value)
    assert normalise(cleaned) == cleaned
    assert TRADITIONAL_ONLY.isdisjoint(cleaned)
    assert isinstance(tokenizer.tokens(value), list)


def test_emoji_alone_are_kept_and_tokenless(tokenizer: Tokenizer) -> None:
    assert normalise("😀🚀") == "😀🚀"
    assert tokenizer.tokens("😀醫院😀") == ["医院"]


def test_long_traditional_text_is_truncated_in_simplified() -> None:
    assert normalise("醫" * (MAX_CHARS + 5_000)) == "医" * MAX_CHARS


def test_the_converter_never_gets_more_than_max_chars(monkeypatch: pytest.MonkeyPatch) -> None:
    lengths: list[int] = []

    def converter(value: str) -> str:
        lengths.append(len(value))
        return value

    monkeypatch.setattr(text, "_converter", lambda: converter)
    assert to_simplified("醫" * (2 * MAX_CHARS + 1)) == "醫" * (2 * MAX_CHARS + 1)
    assert lengths == [MAX_CHARS, MAX_CHARS, 1]


def test_dictionary_and_synonym_lines_in_traditional_are_simplified() -> None:
    assert parse_dict_line("數據中台 100 n") == ("数据中台", 100, "n")
    assert parse_groups(["號誌 ~ 信號燈 ~ 紅綠燈"]).concept_of == {
        "号志": "号志",
        "信号灯": "号志",
        "红绿灯": "号志",
    }


# A hand-written scenario and capabilities; the scenario's and one capability's traditional
# twins are written by hand too, not produced by the converter under test.
CLINIC = Listing(
    "S1",
    "医院预约挂号系统升级",
    "我院门诊量大，现有挂号系统只支持窗口和电话预约，高峰时段排队时间长。"
    "希望建设线上预约挂号系统，支持分时段预约、电子健康卡和医保移动支付，并与现有HIS系统对接。",
    tags=("预约挂号", "智慧医院"),
    domains=("智慧医疗",),
)
CLINIC_TRADITIONAL = Listing(
    "S1T",
    "醫院預約掛號系統升級",
    "我院門診量大，現有掛號系統只支持窗口和電話預約，高峰時段排隊時間長。"
    "希望建設線上預約掛號系統，支持分時段預約、電子健康卡和醫保移動支付，並與現有HIS系統對接。",
    tags=("預約掛號", "智慧醫院"),
    domains=("智慧医疗",),  # domains are taxonomy labels, chosen from a list: not converted
)
BOOKING = Listing(
    "C1",
    "互联网医院与预约挂号平台",
    "提供线上预约挂号、分时段就诊、候诊排队提醒和医保移动支付，可与医院HIS系统对接。",
    tags=("预约挂号", "互联网医院"),
    domains=("智慧医疗",),
)
DATA_PLATFORM = Listing(
    "C2",
    "政务数据中台",
    "汇聚各部门业务数据，提供数据治理、共享交换和数据资产目录，支持数据开放。",
    tags=("数据中台", "数据治理"),
    domains=("智慧政务",),
)
DATA_PLATFORM_TRADITIONAL = Listing(
    "C2T",
    "政務數據中台",
    "匯聚各部門業務數據，提供數據治理、共享交換和數據資產目錄，支持數據開放。",
    tags=("數據中台", "數據治理"),
    domains=("智慧政务",),
)
SIGNALS = Listing(
    "C3",
    "智慧交通信号控制系统",
    "根据路口车流量实时优化红绿灯配时，支持绿波协调和公交优先。",
    tags=("信号控制",),
    domains=("智慧交通",),
)
SHARING = Listing(
    "S2",
    "政务数据共享交换",
    "各委办局数据分散、标准不一，希望建设数据中台，实现数据治理和共享交换。",
    tags=("数据共享",),
    domains=("智慧政务",),
)


def test_traditional_twins_have_the_same_features(matcher: Matcher) -> None:
    for traditional, simplified in (
        (CLINIC_TRADITIONAL, CLINIC),
        (DATA_PLATFORM_TRADITIONAL, DATA_PLATFORM),
    ):
        assert matcher.features(traditional) == matcher.features(simplified)


def test_traditional_scenario_ranks_like_its_simplified_twin(matcher: Matcher) -> None:
    candidates = [DATA_PLATFORM, SIGNALS, BOOKING]
    traditional, simplified = matcher.rank([CLINIC_TRADITIONAL, CLINIC], candidates)
    assert traditional[0].id == simplified[0].id == "C1"
    assert [(m.id, m.score, m.terms) for m in traditional] == [
        (m.id, m.score, m.terms) for m in simplified
    ]


def test_traditional_capability_ranks_like_its_simplified_twin(matcher: Matcher) -> None:
    [with_traditional] = matcher.rank([SHARING], [SIGNALS, BOOKING, DATA_PLATFORM_TRADITIONAL])
    [with_simplified] = matcher.rank([SHARING], [SIGNALS, BOOKING, DATA_PLATFORM])
    assert with_traditional[0].id == "C2T"
    assert with_simplified[0].id == "C2"
    assert [m.score for m in with_traditional] == [m.score for m in with_simplified]
