"""Batch index builds: shares counted apart (in workers) merge into the index a plain build makes."""

from __future__ import annotations

import numpy as np
import pytest

import app.matching.engine as engine_module
from app.matching import Listing, Matcher
from app.matching.features import char_bigrams
from app.matching.index import Index

LISTINGS = [
    Listing("C1", "智慧停车与泊位共享平台", "地磁和视频桩采集泊位状态，支持夜间错时共享。",
            tags=("智慧停车",), domains=("智慧社区",), district="历下区", is_local=True),
    Listing("C2", "胸部CT影像辅助诊断", "基于深度学习识别肺结节，辅助放射科医生阅片。",
            tags=("医学影像", "人工智能"), domains=("智慧医疗",), district="市中区"),
    Listing("C3", "制造企业ERP", "覆盖采购、库存、销售和财务。公司通过ISO27001认证。",
            tags=("ERP",), domains=("工业制造",), is_local=False),
    Listing("C4", "桥梁结构健康监测", "已建有养护管理系统，需对接现有平台，监测挠度和裂缝。",
            tags=("物联网", "传感器"), domains=("城市治理",), district="历下区"),
    Listing("C5", "", "", tags=(), domains=()),
    Listing("C6", "焊接机器人", "焊缝跟踪与离线编程，减少人工焊接的高危作业。",
            tags=("工业机器人",), domains=("工业制造",), is_local=True),
    Listing("C2", "胸部CT影像辅助诊断（新版）", "肺结节与骨折的AI识别。",  # a repeated id
            tags=("医学影像",), domains=("智慧医疗",)),
]  # fmt: skip
QUERIES = [
    Listing("S1", "老旧小区夜间停车难", "车位不足，希望周边单位泊位错时共享。", tags=("物联网",)),
    Listing("S2", "医院影像诊断效率低", "放射科阅片压力大，希望用人工智能辅助。"),
    Listing("S3", "职业院校焊接实训", "高危工种实训难，希望机器人与虚拟练习结合。"),
]


def plain_index(matcher: Matcher, listings: list[Listing]) -> Index:
    return matcher.build_index((x.id, matcher.features(x)) for x in listings)


def assert_same_index(a: Index, b: Index) -> None:
    assert a.ids == b.ids
    assert a.row_of == b.row_of
    assert a.domain_names == b.domain_names
    assert a.tag_sets == b.tag_sets
    for name in ("alive", "local", "district", "domain_bits"):
        assert np.array_equal(getattr(a, name).view(), getattr(b, name).view()), name
    for space in ("words", "chars"):
        left, right = getattr(a, space), getattr(b, space)
        assert left.vocab.terms == right.vocab.terms, space
        assert np.array_equal(left.vocab.idf, right.vocab.idf), space
        assert left.main.shape == right.main.shape, space
        assert np.allclose(left.main.toarray(), right.main.toarray(), atol=1e-7), space


@pytest.mark.parametrize("cuts", [[], [3], [1, 2, 5], [0, 7]])
def test_segments_merge_into_the_index_a_plain_build_makes(
    matcher: Matcher, cuts: list[int]
) -> None:
    plain = plain_index(matcher, LISTINGS)
    bounds = [0, *cuts, len(LISTINGS)]
    merged = matcher.new_index()
    segments = [
        merged.segment((x.id, matcher.features(x)) for x in LISTINGS[start:end])
        for start, end in zip(bounds, bounds[1:], strict=False)
    ]
    merged.build_from_segments(segments)

    assert_same_index(merged, plain)
    for query in QUERIES:
        assert merged.search(matcher.features(query), 5) == plain.search(matcher.features(query), 5)


def test_no_segments_give_an_empty_index(matcher: Matcher) -> None:
    index = matcher.new_index()
    index.build_from_segments([])
    assert len(index) == 0
    assert index.search(matcher.features(QUERIES[0]), 5) == []
    index.add("C1", matcher.features(LISTINGS[0]))  # and it stays usable
    assert [m.id for m in index.search(matcher.features(QUERIES[0]), 5)] == ["C1"]


def test_batch_ranking_over_workers_answers_as_one_process(
    matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "MIN_ITEMS", 1)  # fork even for a handful of listings
    over_workers, sample = matcher.index_listings(LISTINGS, workers=2, sample=[0, 3, 6])
    assert_same_index(over_workers, plain_index(matcher, LISTINGS))
    assert sample == [matcher.features(LISTINGS[p]) for p in (0, 3, 6)]

    reference = plain_index(matcher, LISTINGS)
    reference.fit_topics([matcher.features(x) for x in (*LISTINGS, *QUERIES)])
    assert reference.topics is not None  # the topic signal takes part
    one_process = [reference.search(matcher.features(q), 5, min_score=0.01) for q in QUERIES]
    assert matcher.rank(QUERIES, LISTINGS, top=5, min_score=0.01) == one_process
    assert [m.id for m in one_process[0]][0] == "C1"  # and the answers make sense
    assert [m.id for m in one_process[1]][0] == "C2"


def test_segments_carry_labels_not_tokens(matcher: Matcher) -> None:
    [(listing_id, labels)] = (
        matcher.new_index().segment([("C1", matcher.features(LISTINGS[0]))]).labels
    )
    assert listing_id == "C1"
    assert labels.title == labels.body == labels.chars == ()
    assert (labels.domains, labels.district, labels.is_local) == (("智慧社区",), "历下区", True)
    assert labels.tag_labels == ("智慧停车",)


def test_bigrams_of_repeated_tokens_stay_those_of_the_text() -> None:
    # the per-token memo must not change a run of single characters or a mixed token
    tokens = ["泊位", "错", "时", "共享", "5g", "错", "时", "ct影像", "泊位"]
    first = char_bigrams(tokens)
    assert first == ["泊位", "错时", "共享", "错时", "影像", "泊位"]
    assert char_bigrams(tokens) == first


def test_workers_finish_on_their_own_and_are_ended_only_on_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Pool.terminate() sends SIGTERM: a worker killed while it holds the task queue's lock
    # leaves any worker whose SIGTERM handler outlives the signal waiting for it forever
    # (seen in the benchmark). Finished work therefore closes the pool; only a failure ends it.
    from multiprocessing import pool as pool_module

    from app.matching.parallel import parallel_map

    ended: list[str] = []
    terminate = pool_module.Pool.terminate

    def recorded(self: pool_module.Pool) -> None:
        ended.append("terminate")
        terminate(self)

    monkeypatch.setattr(pool_module.Pool, "terminate", recorded)
    assert parallel_map(lambda x: x * 2, list(range(40)), workers=2, min_items=1) == [
        x * 2 for x in range(40)
    ]
    assert ended == []

    def fails(x: int) -> int:
        if x == 7:
            raise ValueError("bad item")
        return x

    with pytest.raises(ValueError, match="bad item"):
        parallel_map(fails, list(range(40)), workers=2, min_items=1)
    assert ended == ["terminate"]


def _default_sigterm(_: int) -> bool:
    import signal

    return signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_workers_die_on_sigterm_even_under_a_parent_that_handles_it() -> None:
    # gunicorn's workers and RQ's worker handle SIGTERM by setting a flag, and forked workers
    # inherit the handler: terminating the pool after a failure then waited for ever for a
    # worker that took the signal and went on waiting for its next task (seen in CI)
    import signal

    from app.matching.parallel import parallel_map

    previous = signal.signal(signal.SIGTERM, lambda *_: None)  # a flag-setting handler
    try:
        assert all(parallel_map(_default_sigterm, list(range(8)), workers=2, min_items=1))
    finally:
        signal.signal(signal.SIGTERM, previous)
