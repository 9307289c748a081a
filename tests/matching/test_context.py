"""Context-aware fields: existing systems go aside, a firm's boilerplate goes to its own field."""

from __future__ import annotations

import pytest

from app.matching import Engine, Features, Listing, Tokenizer, Weights
from app.matching.features import (
    ASIDE,
    BODY,
    BOILERPLATE,
    FEATURES_VERSION,
    NEED,
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
        ("希望自动发现跌倒。院里已建有视频监控平台，门禁也能用。", [NEED, ASIDE, ASIDE]),
        (
            "老人摔倒后很久才被发现，夜里人手少。希望自动发现跌倒，及时报警。",
            [BODY, BODY, NEED, NEED],
        ),
        ("计划员用表格排产，插单时顾不过来。计划分批上线排产系统。", [BODY, BODY, NEED]),
        ("拟建设虚拟仿真实训室。", [NEED]),
        ("提供生产计划编制和虚拟调试，满足合规要求。", [BODY, BODY]),  # nouns, not wants
        ("希望引入预警，已建有平台的要能对接。", [NEED, ASIDE]),
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


def test_features_keep_need_aside_and_boilerplate_apart(tokenizer: Tokenizer) -> None:
    f = Featurizer(tokenizer).features(FALLS)
    assert "护理员" in f.body
    assert "跌倒" in f.need
    assert "跌倒" not in f.body
    assert "视频监控" in f.aside or "视频" in f.aside
    assert "视频监控" not in f.body
    firm = Listing("C", "跌倒检测", "识别跌倒。公司通过ISO9001认证。")
    g = Featurizer(tokenizer).features(firm)
    assert "iso9001" in g.boilerplate
    assert "iso9001" not in g.body
    assert Features.from_json(g.to_json()) == g
    assert Features.from_json(f.to_json()) == f


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


PAIN_AND_NEED = Listing(
    "S2",
    "食堂后厨监管",
    "中小学食堂就餐人数多，学校使用一卡通就餐。希望后厨摄像头自动发现生熟混放和不戴口罩。",
)
CANTEEN_CARD = Listing("C3", "校园食堂一卡通", "中小学食堂就餐一卡通与订餐。")
KITCHEN_AI = Listing("C4", "明厨亮灶智能分析", "后厨摄像头识别生熟混放、不戴口罩等违规行为。")


def test_a_query_weighs_what_it_wants_above_the_pain_it_describes(tokenizer: Tokenizer) -> None:
    candidates = [CANTEEN_CARD, KITCHEN_AI]
    [even] = engine(tokenizer, need=1.0).rank([PAIN_AND_NEED], candidates)
    [wanted] = engine(tokenizer, need=4.0).rank([PAIN_AND_NEED], candidates)
    assert [m.id for m in wanted][0] == "C4"
    gap = {m.id: m.score for m in wanted}
    before = {m.id: m.score for m in even}
    assert gap["C4"] - gap["C3"] > before["C4"] - before["C3"]


def test_the_need_weight_leaves_documents_alone(tokenizer: Tokenizer) -> None:
    """Scenarios as candidates (为产品找场景) are scored the same whatever the need weight."""
    other = Listing("S3", "后厨监管", "食堂就餐。希望识别老鼠出没。")
    [even] = engine(tokenizer, need=1.0).rank([KITCHEN_AI], [PAIN_AND_NEED, other])
    [wanted] = engine(tokenizer, need=4.0).rank([KITCHEN_AI], [PAIN_AND_NEED, other])
    assert [(m.id, round(m.score, 9)) for m in even] == [(m.id, round(m.score, 9)) for m in wanted]


def test_boilerplate_does_not_match_a_need_that_shares_its_words(tokenizer: Tokenizer) -> None:
    need = Listing("S", "统一身份认证", "各系统重复登录，希望统一身份认证。")
    firm = Listing("C", "视频巡查", "识别占道经营。公司通过ISO27001认证，提供7×24小时运维保障。")
    [dropped] = engine(tokenizer, boilerplate=0.0).rank([need], [firm])
    [kept] = engine(tokenizer, boilerplate=1.0).rank([need], [firm])
    assert dropped[0].score < kept[0].score
    assert "认证" not in dropped[0].terms
