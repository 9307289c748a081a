"""The engine and baselines: relevance, determinism, explanations, filters, the live index."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

import app.matching
from app.matching import (
    Features,
    Filters,
    Listing,
    Match,
    Matcher,
    Tokenizer,
    Weights,
    default_matcher,
)
from app.matching.engine import Engine, FeatureCache
from app.matching.synonyms import parse_groups
from tooling.matching.baselines import bm25_rank, plain_tfidf_rank

PARKING = Listing(
    "S1",
    "老旧小区夜间停车难",
    "小区车位不足，夜间停车难，希望利用周边单位泊位错时共享。",
    tags=("物联网",),
    domains=("智慧社区",),
)
PARKING_APP = Listing(
    "C1",
    "智慧停车与泊位共享平台",
    "通过地磁和视频桩采集泊位状态，支持夜间错时共享停车和预约。",
    tags=("智慧停车", "泊位共享"),
    domains=("智慧社区", "智慧交通"),
)
CT_AI = Listing(
    "C2",
    "胸部CT影像辅助诊断",
    "基于深度学习识别肺结节，辅助放射科医生阅片。",
    tags=("医学影像", "人工智能"),
    domains=("智慧医疗",),
)
ERP = Listing("C3", "制造企业ERP", "覆盖采购、库存、销售和财务的企业资源计划软件。", tags=("ERP",))

Ranker = Callable[..., list[list[Match]]]
HOSTILE_TEXTS = ["", "   \n", "！？。，", "😀🚀🎉", "Hello World", "醫院電子病歷", "停车" * 50_000]


def ids(matches: list[Match]) -> list[str]:
    """Return the candidate ids of a ranking."""
    return [m.id for m in matches]


def test_relevant_candidate_outranks_irrelevant(matcher: Matcher) -> None:
    [ranking] = matcher.rank([PARKING], [CT_AI, ERP, PARKING_APP])
    assert ids(ranking)[0] == "C1"
    assert ranking[0].score > ranking[1].score


def test_scores_are_in_unit_interval_and_sorted(matcher: Matcher) -> None:
    [ranking] = matcher.rank([PARKING], [CT_AI, ERP, PARKING_APP, PARKING])
    scores = [m.score for m in ranking]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert ranking[0].id == "S1"  # the query itself
    assert scores[0] >= 0.95


def test_one_ranking_per_query_in_both_directions(matcher: Matcher) -> None:
    screening = Listing("S2", "肺结节筛查", "胸部CT阅片")
    result = matcher.rank([CT_AI, PARKING_APP], [PARKING, screening])
    assert [ids(r)[0] for r in result] == ["S2", "S1"]


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_hostile_text_ranks_without_error(matcher: Matcher, text: str) -> None:
    odd = Listing("X", text, text, tags=(text,))
    for queries, candidates in (([odd], [PARKING_APP, CT_AI, odd]), ([PARKING], [odd, ERP])):
        result = matcher.rank(queries, candidates)
        assert len(result) == 1
        assert all(0.0 <= m.score <= 1.0 for m in result[0])


def test_all_empty_listings_rank_without_error(matcher: Matcher) -> None:
    empty = [Listing(f"E{i}", "", "") for i in range(3)]
    assert ids(matcher.rank(empty[:1], empty)[0]) == ["E0", "E1", "E2"]


def test_same_input_same_output(engine_tokenizer: Tokenizer) -> None:
    candidates = [CT_AI, ERP, PARKING_APP, PARKING]
    first = Matcher(engine_tokenizer).rank([PARKING, CT_AI], candidates)
    assert Matcher(engine_tokenizer).rank([PARKING, CT_AI], candidates) == first
    matcher = Matcher(engine_tokenizer)
    assert matcher.rank([PARKING, CT_AI], candidates) == matcher.rank([PARKING, CT_AI], candidates)


def test_ties_keep_input_order(matcher: Matcher) -> None:
    twins = [Listing(f"T{i}", PARKING_APP.title, PARKING_APP.description) for i in range(4)]
    assert ids(matcher.rank([PARKING], twins)[0]) == ["T0", "T1", "T2", "T3"]
    assert ids(matcher.rank([PARKING], twins[::-1])[0]) == ["T3", "T2", "T1", "T0"]


def test_terms_are_shared_tokens(matcher: Matcher, tokenizer: Tokenizer) -> None:
    [ranking] = matcher.rank([PARKING], [PARKING_APP])
    terms = ranking[0].terms
    assert 0 < len(terms) <= 6
    q, c = matcher.features(PARKING), matcher.features(PARKING_APP)
    query_tokens = set(q.title + q.tags + q.body + q.need)
    candidate_tokens = set(c.title + c.tags + c.body + c.need)
    assert set(terms) <= query_tokens & candidate_tokens
    assert "泊位" in terms


def test_no_terms_without_shared_tokens(matcher: Matcher) -> None:
    [ranking] = matcher.rank([PARKING], [CT_AI])
    assert ranking[0].terms == ()


def test_empty_inputs_give_empty_lists(matcher: Matcher) -> None:
    assert matcher.rank([], [PARKING_APP]) == []
    assert matcher.rank([], []) == []
    assert matcher.rank([PARKING, CT_AI], []) == [[], []]
    assert matcher.rank([PARKING], [PARKING_APP], top=0) == [[]]


def test_top_and_min_score_limit_the_ranking(matcher: Matcher) -> None:
    candidates = [CT_AI, ERP, PARKING_APP]
    assert len(matcher.rank([PARKING], candidates, top=2)[0]) == 2
    assert ids(matcher.rank([PARKING], candidates, min_score=0.2)[0]) == ["C1"]


def test_shared_domain_breaks_an_otherwise_even_match(engine_tokenizer: Tokenizer) -> None:
    plain = Listing("A", "停车管理", "停车")
    same_domain = Listing("B", "停车管理", "停车", domains=("智慧社区",))
    matcher = Matcher(engine_tokenizer, Weights(domain=0.5))
    assert ids(matcher.rank([PARKING], [plain, same_domain])[0]) == ["B", "A"]


def test_title_counts_more_than_description(matcher: Matcher) -> None:
    in_title = Listing("A", "泊位", "软件 服务 运维")
    in_description = Listing("B", "软件", "泊位 服务 运维")
    query = Listing("Q", "泊位", "")
    assert ids(matcher.rank([query], [in_description, in_title])[0]) == ["A", "B"]


def test_tokens_are_cached_per_listing(engine_tokenizer: Tokenizer) -> None:
    tokenizer = engine_tokenizer
    calls: list[str] = []

    class Counting(Tokenizer):
        def __init__(self) -> None:
            self.__dict__.update(tokenizer.__dict__)

        def tokens(self, text: str) -> list[str]:
            calls.append(text)
            return tokenizer.tokens(text)

        def tokens_many(self, texts: list[str]) -> list[list[str]]:
            calls.extend(texts)
            return tokenizer.tokens_many(texts)

    matcher = Matcher(Counting())
    matcher.rank([PARKING], [PARKING_APP, CT_AI])
    first = len(calls)
    matcher.rank([PARKING], [PARKING_APP, CT_AI])
    assert first > 0
    assert len(calls) == first


def test_feature_cache_is_bounded() -> None:
    cache = FeatureCache(2)
    for listing in (PARKING, PARKING_APP, CT_AI):
        cache.put(listing, Features(title=(listing.id,)))
    assert len(cache) == 2
    assert cache.get(PARKING) is None
    assert cache.get(CT_AI) == Features(title=("C2",))


def test_default_matcher_is_built_once_across_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app.matching, "_default", None)
    with ThreadPoolExecutor(max_workers=8) as pool:
        built = list(pool.map(lambda _: default_matcher(), range(8)))
    assert all(m is built[0] for m in built)
    assert default_matcher() is built[0]


@pytest.mark.parametrize("ranker", [bm25_rank, plain_tfidf_rank])
def test_baselines_rank_and_handle_edge_cases(ranker: Ranker, tokenizer: Tokenizer) -> None:
    [ranking] = ranker([PARKING], [CT_AI, ERP, PARKING_APP], tokenizer=tokenizer)
    assert ids(ranking)[0] == "C1"
    assert all(0.0 <= m.score <= 1.0 for m in ranking)
    assert ranker([], [PARKING_APP], tokenizer=tokenizer) == []
    assert ranker([PARKING], [], tokenizer=tokenizer) == [[]]
    empty = [Listing("E1", "", ""), Listing("E2", "😀", "")]
    assert ids(ranker([PARKING], empty, tokenizer=tokenizer)[0]) == ["E1", "E2"]


# ---------------------------------------------------------------- synonyms and explanations

LIGHTS = Listing(
    "S3", "路口高峰排长队", "早晚高峰红灯放行时间不合理，车辆排长队。", domains=("智慧交通",)
)
SIGNAL_CONTROL = Listing(
    "C4", "自适应交通信号控制系统", "根据流量实时优化信号配时。", domains=("智慧交通",)
)
CAMERA = Listing("C5", "高清视频监控", "园区视频监控设备与录像存储。", domains=("公共安全应急",))


@pytest.fixture
def bridged() -> Engine:
    """An engine with one synonym group joining the poster's words and the vendor's."""
    table = parse_groups(["交通信号控制 ~ 信号配时 ~ 红灯放行时间"])
    return Engine(Tokenizer(), Weights(), table)


def test_a_synonym_bridges_plain_words_and_product_words(bridged: Engine) -> None:
    [ranking] = bridged.rank([LIGHTS], [CAMERA, SIGNAL_CONTROL])
    assert ids(ranking)[0] == "C4"
    bridge = ranking[0].explanation.bridges[0]
    assert (bridge.query_term, bridge.candidate_term, bridge.concept) == (
        "红灯放行时间",
        "信号配时",
        "交通信号控制",
    )
    plain = Engine(bridged.tokenizer, Weights(), parse_groups([]))
    [without] = plain.rank([LIGHTS], [SIGNAL_CONTROL])
    assert ranking[0].score > without[0].score


def test_contributions_add_up_to_the_score_before_the_local_bonus(matcher: Matcher) -> None:
    [ranking] = matcher.rank([PARKING], [PARKING_APP, CT_AI])
    for match in ranking:
        explanation = match.explanation
        total = sum(value for _name, value in explanation.contributions)
        assert match.score == pytest.approx(total * (1 + explanation.local_bonus), abs=1e-3)
        assert {name for name, _ in match.signals} == {
            "word",
            "char",
            "domain",
            "tag",
            "district",
            "topic",
        }
    assert ranking[0].explanation.shared_domains == ("智慧社区",)


def test_local_preference_reorders_near_ties_only(engine_tokenizer: Tokenizer) -> None:
    engine = Engine(engine_tokenizer, Weights(local_bonus=0.05), parse_groups([]))
    elsewhere = Listing("A", PARKING_APP.title, PARKING_APP.description, is_local=False)
    local_twin = Listing("B", PARKING_APP.title, PARKING_APP.description, is_local=True)
    local_unfit = Listing("C", CT_AI.title, CT_AI.description, is_local=True)
    [ranking] = engine.rank([PARKING], [elsewhere, local_unfit, local_twin])
    assert ids(ranking) == ["B", "A", "C"]
    assert ranking[0].explanation.is_local is True
    assert ranking[0].explanation.local_bonus == 0.05


def test_filters_apply_inside_the_engine_before_the_cut(matcher: Matcher) -> None:
    local_ct = Listing(
        "L", CT_AI.title, CT_AI.description, domains=CT_AI.domains, district="历下区", is_local=True
    )
    candidates = [PARKING_APP, ERP, local_ct]
    only_local = matcher.rank([PARKING], candidates, top=1, filters=Filters(local_only=True))
    assert ids(only_local[0]) == ["L"]
    by_domain = matcher.rank(
        [PARKING], candidates, filters=Filters(domains=frozenset({"智慧医疗"}))
    )
    assert ids(by_domain[0]) == ["L"]
    by_district = matcher.rank(
        [PARKING], candidates, filters=Filters(districts=frozenset({"市中区"}))
    )
    assert by_district == [[]]


def test_the_live_index_takes_additions_and_removals(matcher: Matcher) -> None:
    index = matcher.build_index([(c.id, matcher.features(c)) for c in (CT_AI, ERP)])
    assert "C1" not in ids(matcher.search(index, PARKING))
    index.add("C1", matcher.features(PARKING_APP))
    assert ids(matcher.search(index, PARKING))[0] == "C1"
    index.add("C1", matcher.features(ERP))  # an edit replaces the old version
    assert ids(matcher.search(index, PARKING)).count("C1") == 1
    assert index.remove("C1") is True
    assert "C1" not in ids(matcher.search(index, PARKING))
    assert index.remove("C1") is False
    assert len(index) == 2


def test_a_rebuild_from_stored_features_ranks_like_the_batch_call(matcher: Matcher) -> None:
    candidates = [CT_AI, ERP, PARKING_APP, PARKING]
    stored = [(c.id, Features.from_json(matcher.features(c).to_json())) for c in candidates]
    index = matcher.build_index(stored)
    assert [m.id for m in matcher.search(index, PARKING)] == ids(
        matcher.rank([PARKING], candidates)[0]
    )


def test_stored_features_of_another_version_are_refused(matcher: Matcher) -> None:
    data = matcher.features(PARKING).to_json()
    data["v"] = 0
    with pytest.raises(ValueError, match="version"):
        Features.from_json(data)


def test_many_additions_merge_into_the_main_segment(
    matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.matching.index as index_module

    monkeypatch.setattr(index_module, "MERGE_AT", 3)
    index = matcher.build_index([])
    for n, listing in enumerate([CT_AI, ERP, PARKING_APP, PARKING, CT_AI]):
        index.add(f"X{n}", matcher.features(listing))
    assert index.words.main.shape[0] == 3
    assert len(index.words.delta) == 2
    found = ids(matcher.search(index, PARKING))
    assert found[:2] == ["X3", "X2"]


def test_parallel_batches_give_the_same_answers(matcher: Matcher) -> None:
    from app.matching.parallel import parallel_map

    candidates = [CT_AI, ERP, PARKING_APP, PARKING] * 3
    index = matcher.build_index(
        [(f"{c.id}-{n}", matcher.features(c)) for n, c in enumerate(candidates)]
    )
    queries = [matcher.features(q) for q in (PARKING, CT_AI, ERP, PARKING_APP)] * 5
    one_by_one = [index.search(f, 5) for f in queries]
    assert parallel_map(lambda f: index.search(f, 5), queries, workers=2, min_items=1) == one_by_one
    assert parallel_map(len, ["ab", "c"], workers=1) == [2, 1]
