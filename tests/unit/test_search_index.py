"""The in-memory search index: bulk loading equals adding one by one; replace and remove."""

from __future__ import annotations

import numpy as np

from app.search.index import NO_DEADLINE, SEP, Columns, Record, SideIndex, expand, record_has

RECORDS = [
    Record(
        1,
        10,
        100.0,
        None,
        50.0,
        80.0,
        frozenset({"tag:物联网", "domain:智慧交通"}),
        ("道路", "巡检"),
        ("病害", "道路"),
    ),
    Record(
        2, 11, 200.0, 739000, None, None, frozenset({"tag:大数据"}), ("医保基金",), ("监管", "结算")
    ),
    Record(3, 10, 300.0, 739100, 10.0, 10.0, frozenset(), (), ("红绿灯配时", "巡检")),
]


def _columns(records: list[Record]) -> Columns:
    return Columns(
        ids=np.array([r.listing_id for r in records]),
        org=np.array([r.org_id for r in records]),
        published=np.array([r.published for r in records]),
        deadline=np.array([NO_DEADLINE if r.deadline is None else r.deadline for r in records]),
        low=np.array([np.nan if r.budget_low is None else r.budget_low for r in records]),
        high=np.array([np.nan if r.budget_high is None else r.budget_high for r in records]),
        facets=[SEP.join(sorted(r.facets)) for r in records],
        title=[" ".join(r.title_tokens) for r in records],
        body=[" ".join(r.body_tokens) for r in records],
    )


def _found(index: SideIndex, *tokens: str) -> set[int]:
    required, _ = index.text_scores(tokens)
    alive = index.column("alive")
    return {int(i) for i in index.column("ids")[required & alive]}


def test_bulk_loading_finds_what_adding_one_by_one_finds() -> None:
    bulk, single = SideIndex(), SideIndex()
    bulk.load(_columns(RECORDS))
    single.add_many(RECORDS)
    for index in (bulk, single):
        assert _found(index, "巡检") == {1, 3}
        assert _found(index, "医保") == {2}  # inside 医保基金
        assert _found(index, "配时") == {3}  # inside 红绿灯配时
        assert _found(index, "道路", "巡检") == {1}
        assert _found(index, "不存在") == set()
        assert set(index.column("ids")[index.facet_mask("tag:物联网")]) == {1}
        assert sorted(index.vocabulary()) == sorted(single.vocabulary())
    assert list(bulk.newest_rank()) == [2, 1, 0]


def test_titles_weigh_more_and_a_changed_listing_replaces_its_old_version() -> None:
    index = SideIndex()
    index.load(_columns(RECORDS))
    _, scores = index.text_scores(["巡检"])
    assert scores[0] > scores[2] > 0  # 1 has it in the title, 3 only in the body
    index.add(Record(3, 10, 400.0, title_tokens=("桥梁",)))
    assert _found(index, "巡检") == {1}
    assert _found(index, "桥梁") == {3}
    index.remove(1)
    assert _found(index, "巡检") == set()
    assert index.count == 2


def test_expand_keeps_single_characters_exact() -> None:
    assert expand("配", ["红绿灯配时", "配"]) == [("配", 1.0)]
    assert [w for w, _ in expand("医保", ["医保基金", "医保", "基金"])] == ["医保基金", "医保"]
    assert record_has(RECORDS[1], "医保")
    assert not record_has(RECORDS[0], "医保")
