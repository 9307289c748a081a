"""Context-aware fields: existing systems go aside, a firm's boilerplate goes to its own field."""

from __future__ import annotations

import pytest

from app.matching import Engine, Features, Listing, Tokenizer, Weights
from app.matching.features import (
    ASIDE,
    BODY,
    BOILERPLATE,
    FEATURES_VERSION,
    Featurizer,
    context_clauses,
)
from app.matching.synonyms import parse_groups

FALLS = Listing(
    "S1",
    "养老院夜间老人摔倒发现不及时",
    "护理员夜间人手少，老人摔倒后常常很久才被发现。希望自动发现跌倒并报警。"
    "院里已建有视频监控平台和门禁系统，需对接现有护理管理软件。",
    domains=("智慧社区",),
)
FALL_RADAR = Listing(
    "C1",
    "毫米波雷达跌倒检测",
    "毫米波雷达识别老人跌倒并自动报警，保护隐私。",
    domains=("智慧社区",),
)
VIDEO_PLATFORM = Listing(
    "C2", "视频监控平台", "视频监控平台与门禁系统，支持护理管理软件对接。", domains=("智慧社区",)
)


def fields_of(text: str) -> list[str]:
    return [field for _clause, field in context_clauses(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("希望自动发现跌倒。院里已建有视频监控平台，门禁也能用。", [BODY, ASIDE, ASIDE]),
        ("馆里已有档案管理系统，但缺少专业加工人员。", [ASIDE, BODY]),
        ("需对接现有ERP，排产要快。", [ASIDE, BODY]),
        (
            "提供跌倒检测。公司注重数据安全，产品通过等级保护测评。",
            [BODY, BOILERPLATE, BOILERPLATE],
        ),
        ("识别跌倒，可提供本地化驻场服务。", [BODY, BOILERPLATE]),
        ("提供统一身份认证和单点登录。", [BODY]),  # a product that is about 认证 stays
        ("", []),
    ],
)
def test_clauses_are_sorted_by_cue_words(text: str, expected: list[str]) -> None:
    assert fields_of(text) == expected


def test_features_keep_aside_and_boilerplate_apart(tokenizer: Tokenizer) -> None:
    f = Featurizer(tokenizer).features(FALLS)
    assert "跌倒" in f.body
    assert "视频监控" in f.aside or "视频" in f.aside
    assert "视频监控" not in f.body
    firm = Listing("C", "跌倒检测", "识别跌倒。公司通过ISO9001认证。")
    g = Featurizer(tokenizer).features(firm)
    assert "iso9001" in g.boilerplate
    assert "iso9001" not in g.body
    assert Features.from_json(g.to_json()) == g


def test_stale_stored_features_are_refused() -> None:
    data = Features(title=("a",)).to_json()
    data["v"] = FEATURES_VERSION - 1
    with pytest.raises(ValueError, match="version"):
        Features.from_json(data)


def engine(tokenizer: Tokenizer, **weights: float) -> Engine:
    return Engine(tokenizer, Weights(**weights), parse_groups([]))


def test_a_low_aside_weight_ranks_the_need_above_the_existing_system(
    tokenizer: Tokenizer,
) -> None:
    candidates = [VIDEO_PLATFORM, FALL_RADAR]
    [even] = engine(tokenizer, aside=1.0).rank([FALLS], candidates)
    [aside] = engine(tokenizer, aside=0.1).rank([FALLS], candidates)
    assert [m.id for m in aside] == ["C1", "C2"]
    gap = {m.id: m.score for m in aside}
    before = {m.id: m.score for m in even}
    assert gap["C1"] - gap["C2"] > before["C1"] - before["C2"]


def test_boilerplate_does_not_match_a_need_that_shares_its_words(tokenizer: Tokenizer) -> None:
    need = Listing("S", "统一身份认证", "各系统重复登录，希望统一身份认证。")
    firm = Listing("C", "视频巡查", "识别占道经营。公司通过ISO27001认证，提供7×24小时运维保障。")
    [dropped] = engine(tokenizer, boilerplate=0.0).rank([need], [firm])
    [kept] = engine(tokenizer, boilerplate=1.0).rank([need], [firm])
    assert dropped[0].score < kept[0].score
    assert "认证" not in dropped[0].terms
