"""Public search on the list pages: Chinese words, relevance, highlighting, filters, sorts, pages."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app import clock, taxonomy
from app.extensions import db
from app.jobs import enqueue
from app.models import (
    Capability,
    ListingCount,
    ListingStatus,
    Role,
    Scenario,
    SearchDocument,
    User,
)
from app.models.base import utcnow
from app.recommendations import provider
from app.search import services as search
from app.search import words
from app.search.filters import Filters
from app.search.highlight import highlight, snippet
from tests.conftest import login
from tests.factories import make_capability, make_org, make_scenario
from tests.integration.test_listings import scenario_form

TITLES = ("城市道路病害智能巡检", "医保基金智能监管", "智慧停车诱导", "病害防治知识库")


def found(client: FlaskClient, path: str, titles: tuple[str, ...] = TITLES) -> list[str]:
    """The titles on a result page, in the order shown."""
    page = client.get(path).get_data(as_text=True)
    positions = {t: page.find(f'title="{t}"') for t in titles}
    return [t for t, at in sorted(positions.items(), key=lambda kv: kv[1]) if at >= 0]


@pytest.fixture
def scenarios(publisher: User) -> dict[str, Scenario]:
    """Four published scenarios with different words, budgets, deadlines and tags."""
    org = publisher.organization
    today = clock.today()
    return {
        "road": make_scenario(org, title=TITLES[0], budget_wan=Decimal("200")),
        "insurance": make_scenario(
            org,
            title=TITLES[1],
            domain="智慧医疗",
            district="市中区",
            description="医保基金欺诈骗保手段隐蔽，希望用大数据规则和模型发现异常结算。",
            needs="对接医保结算系统。",
            expected="",
            tags=["大数据"],
            opening_method="公开招标",
            budget_wan=Decimal("50"),
            budget_max_wan=Decimal("80"),
            deadline=today + timedelta(days=5),
        ),
        "parking": make_scenario(
            org,
            title=TITLES[2],
            description="停车难，车位信息不透明，希望建设停车诱导系统，实时发布泊位。",
            needs="",
            expected="",
            tags=["物联网"],
            budget_wan=None,
            deadline=None,
        ),
        "plants": make_scenario(
            org,
            title=TITLES[3],
            domain="智慧农业",
            description="整理作物病害的识别要点，供农技人员查询。",
            needs="",
            expected="",
            tags=["大模型"],
            budget_wan=Decimal("30"),
            deadline=today + timedelta(days=200),
        ),
    }


def test_chinese_words_are_found_by_their_jieba_tokens(
    client: FlaskClient, scenarios: dict[str, Scenario]
) -> None:
    assert found(client, "/scenarios?q=道路病害") == [TITLES[0]]
    assert found(client, "/scenarios?q=医保") == [TITLES[1]]  # inside the word 医保基金
    assert found(client, "/scenarios?q=停车  泊位") == [TITLES[2]]  # every word must be there
    assert found(client, "/scenarios?q=停车 医保") == []
    assert found(client, "/scenarios?q=大数据") == [TITLES[1]]  # a technology tag is searchable
    assert found(client, "/scenarios?q=!!!") == []


def test_title_matches_rank_above_description_matches(
    client: FlaskClient, publisher: User, scenarios: dict[str, Scenario]
) -> None:
    make_scenario(
        publisher.organization,
        title="路面养护",
        description="修补路面病害。",
        needs="",
        expected="",
    )
    titles = (*TITLES, "路面养护")
    # the newest has 病害 only in its description: relevance (the default order with words)
    # puts it last, newest first (the default without words) puts it first
    assert found(client, "/scenarios?q=病害", titles)[-1] == "路面养护"
    assert set(found(client, "/scenarios?q=病害", titles)[:2]) == {TITLES[0], TITLES[3]}
    assert found(client, "/scenarios?q=病害&sort=newest", titles) == [
        "路面养护",
        TITLES[3],
        TITLES[0],
    ]


def test_matches_are_marked_and_everything_else_is_escaped(
    client: FlaskClient, publisher: User
) -> None:
    make_scenario(
        publisher.organization,
        title="<b>病害</b>巡检 & 养护",
        description="道路<script>alert(1)</script>病害巡检，发现坑槽。",
    )
    page = client.get("/scenarios?q=病害").get_data(as_text=True)
    assert "&lt;b&gt;<mark>病害</mark>&lt;/b&gt;巡检 &amp; 养护" in page
    assert "&lt;/script&gt;<mark>病害</mark>巡检" in page
    assert "<script>alert" not in page


def test_highlight_and_snippet_escape_and_centre_on_the_first_match() -> None:
    assert str(highlight("A<b>", ["b"])) == "A&lt;<mark>b</mark>&gt;"
    assert str(highlight("NB-IoT 物联网", ["nb-iot"])) == "<mark>NB-IoT</mark> 物联网"
    text = "前" * 100 + "病害识别" + "后" * 100
    piece = str(snippet(text, ["病害"]))
    assert piece.startswith("…")
    assert piece.endswith("…")
    assert "<mark>病害</mark>识别" in piece
    assert str(snippet("短文本", [])) == "短文本"


def test_filters_by_tag_opening_method_budget_and_deadline(
    client: FlaskClient, scenarios: dict[str, Scenario]
) -> None:
    assert set(found(client, "/scenarios?tag=物联网")) == {TITLES[0], TITLES[2]}
    assert found(client, "/scenarios?tag=物联网&q=泊位") == [TITLES[2]]
    assert found(client, "/scenarios?opening_method=公开招标") == [TITLES[1]]
    # budget ranges overlap the filter; undisclosed budgets are left out once one is asked
    assert set(found(client, "/scenarios?budget_min=60&budget_max=100")) == {TITLES[1]}
    assert set(found(client, "/scenarios?budget_min=100")) == {TITLES[0]}
    assert set(found(client, "/scenarios?budget_max=40")) == {TITLES[3]}
    assert set(found(client, "/scenarios?budget_min=abc")) == set(TITLES)  # ignored
    # 未截止 keeps open-ended scenarios; "within N days" keeps those closing by then
    assert set(found(client, "/scenarios?deadline=open")) == set(TITLES)
    assert found(client, "/scenarios?deadline=7") == [TITLES[1]]
    assert set(found(client, "/scenarios?deadline=90")) == {TITLES[0], TITLES[1]}


def test_a_scenario_past_its_deadline_is_not_listed_even_before_the_expiry_sweep(
    client: FlaskClient, scenarios: dict[str, Scenario]
) -> None:
    scenario = scenarios["plants"]
    scenario.deadline = clock.today() - timedelta(days=1)
    db.session.commit()
    assert TITLES[3] not in found(client, "/scenarios")
    assert TITLES[3] not in found(client, "/scenarios?q=病害")


def test_sort_by_deadline_and_by_budget(
    client: FlaskClient, scenarios: dict[str, Scenario]
) -> None:
    # soonest first; no deadline last
    assert found(client, "/scenarios?sort=deadline&deadline=open") == [
        TITLES[1],
        TITLES[0],
        TITLES[3],
        TITLES[2],
    ]
    # highest budget (the top of a range) first; 面议 last
    assert found(client, "/scenarios?sort=budget") == [TITLES[0], TITLES[1], TITLES[3], TITLES[2]]


def test_capabilities_filter_by_local_firms_honours_district_and_tag(client: FlaskClient) -> None:
    local = make_org(Role.FIRM, name="历下数字科技", district="历下区", is_local=True)
    local.honours = taxonomy.terms("honour", ["专精特新"])
    away = make_org(Role.FIRM, name="外地智能公司", district="历城区", is_local=False)
    db.session.commit()
    make_capability(local, title="政务数据共享平台", domains=["智慧政务"], tags=["大数据"])
    make_capability(away, title="设备预测性维护", domains=["工业制造"], tags=["工业互联网"])
    titles = ("政务数据共享平台", "设备预测性维护")
    assert found(client, "/capabilities?local=1", titles) == ["政务数据共享平台"]
    assert found(client, "/capabilities?honour=专精特新", titles) == ["政务数据共享平台"]
    assert found(client, "/capabilities?honour=瞪羚", titles) == []
    assert found(client, "/capabilities?district=历城区", titles) == ["设备预测性维护"]
    assert found(client, "/capabilities?tag=工业互联网", titles) == ["设备预测性维护"]
    assert found(client, "/capabilities?q=外地智能", titles) == ["设备预测性维护"]  # firm name
    # an organisation's honours are read fresh: no listing change is needed
    away.honours = taxonomy.terms("honour", ["专精特新"])
    db.session.commit()
    assert set(found(client, "/capabilities?honour=专精特新", titles)) == set(titles)


def test_the_index_follows_approval_and_withdrawal(
    client: FlaskClient, publisher: User, admin: User, scenarios: dict[str, Scenario]
) -> None:
    assert found(client, "/scenarios?q=桥梁") == []  # the index is built now
    draft = make_scenario(
        publisher.organization, ListingStatus.PENDING, title="桥梁健康监测", published_at=None
    )
    login(client, admin)
    response = client.post(f"/review/scenarios/{draft.id}/decide", data={"decision": "approve"})
    assert response.status_code == 302
    login(client, None)
    assert found(client, "/scenarios?q=桥梁", ("桥梁健康监测",)) == ["桥梁健康监测"]
    # withdrawn through the feed, as the other lifecycle paths do
    road = db.session.get(Scenario, scenarios["road"].id)
    road.status = ListingStatus.WITHDRAWN
    provider.record_change(road, "remove")
    db.session.commit()
    assert found(client, "/scenarios?q=道路病害") == []


def test_a_deep_page_and_the_total_are_right(
    app: Flask, client: FlaskClient, publisher: User
) -> None:
    size = app.config["PAGE_SIZE"]
    for n in range(size * 2 + 1):
        make_scenario(publisher.organization, title=f"分页场景{n:02d}", budget_wan=Decimal(n))
    page = client.get("/scenarios?sort=budget&page=3").get_data(as_text=True)
    assert page.count('class="card"') == 1
    assert 'title="分页场景00"' in page  # the smallest budget comes last
    assert f"共 {size * 2 + 1} 条" in page
    assert client.get("/scenarios?page=100000").status_code == 200


def test_filters_round_trip_through_a_canonical_query_string() -> None:
    filters = Filters.from_args(
        {"q": " 道路 ", "budget_min": "10.50", "deadline": "30", "local": "1", "sort": "x"}
    )
    assert filters.to_query() == ("q=%E9%81%93%E8%B7%AF&budget_min=10.50&deadline=30&local=1")
    assert Filters.from_query(filters.to_query()) == filters
    assert Filters.from_args({"deadline": "5", "budget_max": "-1"}).is_empty
    assert Filters.from_args({"q": "x" * 80}).q == "x" * 50
    capability = Filters.from_args({"deadline": "open", "sort": "budget"}).for_side("capability")
    assert capability.deadline == ""
    assert capability.sort == ""


def test_retokenising_recuts_stored_search_words_and_every_worker_reloads_them(
    app: Flask, client: FlaskClient, publisher: User
) -> None:
    from app.engine_builds import maintenance
    from app.models import SearchDocument

    scenario = make_scenario(
        publisher.organization, title="醫院預約掛號", description="門診號源緊張。"
    )
    assert found(client, "/scenarios?q=医院预约", ("醫院預約掛號",)) == ["醫院預約掛號"]
    # a row cut before traditional characters were converted keeps traditional words
    db.session.merge(
        SearchDocument(
            side="scenario",
            listing_id=scenario.id,
            title_tokens="醫院 預約 掛號",
            body_tokens="門診",
        )
    )
    maintenance.request_rebuild(refeaturize=False)  # any worker loads the stored rows afresh
    db.session.commit()
    assert found(client, "/scenarios?q=医院预约", ("醫院預約掛號",)) == []

    maintenance.refeaturize()  # what `flask match rebuild --refeaturize` runs first
    maintenance.request_rebuild(refeaturize=False)
    db.session.commit()
    [document] = db.session.scalars(sa.select(SearchDocument)).all()
    assert document.title_tokens.split() == ["医院", "预约挂号"]
    assert found(client, "/scenarios?q=医院预约", ("醫院預約掛號",)) == ["醫院預約掛號"]


# ---------------------------------------------------------------- search in the database


def _titles(rows: list[tuple[str, str]]) -> tuple[str, ...]:
    return tuple(title for title, _ in rows)


def test_a_whole_word_ranks_above_a_word_holding_it_and_titles_above_bodies(
    client: FlaskClient, publisher: User
) -> None:
    rows = [  # (title, description), each published later than the one before
        ("医保结算对账", "核对结算数据。"),  # 医保 a title word
        ("医保基金智能监管", "发现异常结算。"),  # inside the title word 医保基金
        ("门诊统筹服务", "对接医保结算系统。"),  # a body word
        ("药品集采分析", "防范医保基金欺诈骗保。"),  # inside a body word
    ]
    start = utcnow() - timedelta(days=10)
    for n, (title, description) in enumerate(rows):
        make_scenario(
            publisher.organization,
            title=title,
            description=description,
            needs="",
            expected="",
            published_at=start + timedelta(days=n),
        )
    titles = _titles(rows)
    assert found(client, "/scenarios?q=医保", titles) == list(titles)
    assert found(client, "/scenarios?q=医保&sort=newest", titles) == list(reversed(titles))
    # with a filter every one passes, relevance is scored row by row: the same order
    assert found(client, "/scenarios?q=医保&domain=智慧交通", titles) == list(titles)
    # two words: both whole title words first; then both whole words anywhere (医保 inside
    # a title word counts as "not all in the title as whole words"), newest first
    assert found(client, "/scenarios?q=医保 结算", titles) == [titles[0], titles[2], titles[1]]


def test_a_typed_word_finds_the_words_holding_it_even_as_a_suffix(
    client: FlaskClient, publisher: User
) -> None:
    org = publisher.organization
    make_scenario(org, title="路口信号配时系统", description="绿波带。", needs="", expected="")
    make_scenario(org, title="红绿灯配时优化", description="路口排队。", needs="", expected="")
    titles = ("路口信号配时系统", "红绿灯配时优化")
    # jieba cuts 配时 alone into 配; indexed words end with it (信号配时, 红绿灯配时): it is
    # searched as typed, and found inside them
    assert set(found(client, "/scenarios?q=配时", titles)) == set(titles)
    # one character finds whole words only
    assert found(client, "/scenarios?q=配", titles) == []
    # no indexed word holds 信号配时系统: its jieba words are searched, all of them
    assert found(client, "/scenarios?q=信号配时系统", titles) == ["路口信号配时系统"]


def test_stored_words_with_quotes_backslashes_and_blanks_are_searched_literally(
    client: FlaskClient, publisher: User
) -> None:
    scenario = make_scenario(publisher.organization, title="特殊字符")
    db.session.merge(
        SearchDocument(
            side="scenario",
            listing_id=scenario.id,
            title_tokens="it's  a\\b 医保 ",
            body_tokens=" ",
        )
    )
    db.session.commit()
    titles = ("特殊字符",)
    for typed in ("it's", "a\\b", "医保'基金", "t's"):
        path = "/scenarios?" + urlencode({"q": typed})
        assert found(client, path, titles) == (["特殊字符"] if typed != "医保'基金" else [])
    for typed in ("'", '"', "\\", "''\\'", "a'b\"c\\d", "' OR 1=1 --", "医保 & !'x'"):
        assert client.get("/scenarios?" + urlencode({"q": typed})).status_code == 200


def test_every_order_reads_the_same_forwards_and_backwards(
    app: Flask, client: FlaskClient, publisher: User
) -> None:
    # 25 scenarios over three pages: page 1 is read forwards, pages 2 and 3 from the end
    size = app.config["PAGE_SIZE"]
    today, start = clock.today(), utcnow() - timedelta(days=30)
    made = []
    for n in range(size * 2 + 1):
        budget = None if n % 5 == 0 else Decimal(n % 3 * 100)  # ties, and 面议
        made.append(
            make_scenario(
                publisher.organization,
                title=f"排序场景{n:02d}",
                budget_wan=budget,
                budget_max_wan=budget + 50 if budget is not None and n % 2 else None,
                deadline=None if n % 4 == 0 else today + timedelta(days=n % 3),
                published_at=start + timedelta(days=n // 3),  # ties: the highest id first
            )
        )

    def high(s: Scenario) -> Decimal | None:
        return s.budget_max_wan if s.budget_max_wan is not None else s.budget_wan

    newest = sorted(made, key=lambda s: (s.published_at, s.id), reverse=True)
    expected = {
        "newest": newest,
        "deadline": sorted(newest, key=lambda s: (s.deadline is None, s.deadline or today)),
        "budget": sorted(newest, key=lambda s: (high(s) is None, -(high(s) or 0))),
    }
    titles = tuple(s.title for s in made)
    for sort, order in expected.items():
        shown = []
        for number in (1, 2, 3):
            shown += found(client, f"/scenarios?sort={sort}&page={number}", titles)
        assert shown == [s.title for s in order], sort


def test_totals_leave_out_scenarios_past_their_deadline_before_the_sweep(
    client: FlaskClient, publisher: User
) -> None:
    org = publisher.organization
    make_scenario(org, title="桥梁病害检测")
    make_scenario(org, title="隧道病害巡查")
    late = make_scenario(org, title="涵洞病害普查")
    late.deadline = clock.today() - timedelta(days=1)  # the expiry sweep has not run yet
    db.session.commit()
    for path in (
        "/scenarios?q=病害",  # counted in the full-text index, one word by levels
        "/scenarios?q=病害&sort=newest",
        "/scenarios?q=病害 检测 巡查 普查 隧道 桥梁 涵洞&sort=newest",
        "/scenarios?q=病害&district=历城区",  # counted with the filter, in SQL
    ):
        page = client.get(path).get_data(as_text=True)
        assert "找到 2 条结果" in page or "找到" not in page, path
    assert "找到 2 条结果" in client.get("/scenarios?q=病害").get_data(as_text=True)
    assert "找到 2 条结果" in client.get("/scenarios?q=病害&district=历城区").get_data(as_text=True)
    assert "涵洞病害普查" not in client.get("/scenarios?q=病害").get_data(as_text=True)


def test_only_published_listings_keep_search_words(publisher: User, firm: User) -> None:
    def documents() -> set[tuple[str, int]]:
        rows = db.session.execute(sa.select(SearchDocument.side, SearchDocument.listing_id))
        return {(side, listing_id) for side, listing_id in rows}

    scenario = make_scenario(publisher.organization)
    capability = make_capability(firm.organization)
    draft = make_scenario(publisher.organization, ListingStatus.DRAFT, published_at=None)
    assert documents() == {("scenario", scenario.id), ("capability", capability.id)}
    search.index_listing(draft)  # a listing that is not published gets no document
    scenario.status = ListingStatus.CLOSED  # the database removes it (a trigger)
    db.session.delete(capability)
    db.session.commit()
    assert documents() == set()


def test_approving_a_revision_makes_its_new_words_searchable(
    client: FlaskClient, publisher: User, admin: User
) -> None:
    scenario = make_scenario(publisher.organization, title="城市桥梁安全监测")
    login(client, publisher)
    response = client.post(
        f"/my/scenarios/{scenario.id}/edit",
        data=scenario_form(
            title="城市隧道安全监测",
            description="全市隧道数量多，目前主要靠人工定期检查，难以及时发现结构异常。",
            expected="隧道异常发现时间缩短到分钟级。",
        ),
    )
    assert response.status_code == 302  # a revision waiting for review
    login(client, None)
    titles = ("城市桥梁安全监测", "城市隧道安全监测")
    assert found(client, "/scenarios?q=桥梁", titles) == ["城市桥梁安全监测"]  # not yet
    login(client, admin)
    client.post(f"/review/scenarios/{scenario.id}/decide", data={"decision": "approve"})
    login(client, None)
    assert found(client, "/scenarios?q=隧道", titles) == ["城市隧道安全监测"]
    assert found(client, "/scenarios?q=桥梁", titles) == []


def test_a_huge_page_number_is_the_last_page_allowed(client: FlaskClient, publisher: User) -> None:
    make_scenario(publisher.organization)
    for path in ("/scenarios", "/scenarios?q=病害", "/capabilities?q=病害&sort=newest"):
        response = client.get(f"{path}{'&' if '?' in path else '?'}page=99999999999999999999")
        assert response.status_code == 200
        assert 'class="card"' not in response.get_data(as_text=True)


def test_a_list_page_sends_few_statements(
    app: Flask, client: FlaskClient, publisher: User, firm: User
) -> None:
    for n in range(3):
        make_scenario(publisher.organization, title=f"语句计数{n}")
        make_capability(firm.organization, title=f"语句计数能力{n}")
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        for path, most in (("/scenarios", 6), ("/capabilities", 7), ("/scenarios?q=病害", 9)):
            client.get(path)  # warm: the tokenizer's engine is built once per process
            statements.clear()
            client.get(path)
            sql = [s for s in statements if not s.startswith(("BEGIN", "SAVEPOINT", "RELEASE"))]
            assert len(sql) <= most, (path, sql)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def test_the_published_counts_follow_every_change_of_status(
    client: FlaskClient, publisher: User, firm: User
) -> None:
    def kept() -> dict[str, int]:
        rows = db.session.execute(
            sa.select(ListingCount.side, sa.func.sum(ListingCount.published)).group_by(
                ListingCount.side
            )
        )
        return {side: published for side, published in rows}

    def counted() -> dict[str, int]:
        return {
            side: db.session.scalar(
                sa.select(sa.func.count()).select_from(model).where(model.status == "published")
            )
            or 0
            for side, model in (("scenario", Scenario), ("capability", Capability))
        }

    org = publisher.organization
    first = make_scenario(org)
    make_scenario(org, ListingStatus.DRAFT, published_at=None)
    gone = make_capability(firm.organization)
    assert kept() == counted() == {"scenario": 1, "capability": 1}
    first.status = ListingStatus.WITHDRAWN  # through the ORM
    db.session.execute(  # in bulk, as the expiry sweep or a script may
        sa.update(Scenario).where(Scenario.status == ListingStatus.DRAFT).values(status="published")
    )
    db.session.delete(gone)
    db.session.commit()
    assert kept() == counted() == {"scenario": 1, "capability": 0}
    page = client.get("/").get_data(as_text=True)
    assert '<strong data-testid="count-scenarios">1</strong>' in page
    assert '<strong data-testid="count-capabilities">0</strong>' in page
    assert "找到" not in client.get("/capabilities").get_data(as_text=True)


@pytest.mark.parametrize(
    ("probe_cost", "drive_max", "few"),
    [(0, 0, 0), (10**9, 10**9, 10**9), (10**9, 0, 0)],
    ids=["index lookup per listing", "set read by id, few ranked at once", "set read whole"],
)
def test_every_way_of_checking_a_set_gives_the_same_pages(
    app: Flask,
    client: FlaskClient,
    publisher: User,
    monkeypatch: pytest.MonkeyPatch,
    probe_cost: int,
    drive_max: int,
    few: int,
) -> None:
    # the search picks how listings are checked against a set of the index by its size
    # (PROBE_COST, DRIVE_MAX, FEW): forced here, each way must give the same pages
    monkeypatch.setattr(words, "PROBE_COST", {"sqlite": probe_cost, "postgresql": probe_cost})
    monkeypatch.setattr(words, "DRIVE_MAX", drive_max)
    drive_cost = 0 if drive_max else 10**9  # read by id whatever the page, or never
    monkeypatch.setattr(words, "DRIVE_COST", {"sqlite": drive_cost, "postgresql": drive_cost})
    monkeypatch.setattr(words, "FEW", few)
    size = app.config["PAGE_SIZE"]
    start = utcnow() - timedelta(days=40)
    for n in range(size + 5):
        title = "医保结算" if n % 3 == 0 else ("医保基金" if n % 3 == 1 else "门诊统筹")
        make_scenario(
            publisher.organization,
            title=f"{title}{n:02d}",
            description="对接医保结算系统。" if n % 2 else "防范医保基金欺诈。",
            published_at=start + timedelta(days=n),
        )
    titles = tuple(
        f"{t}{n:02d}" for n in range(size + 5) for t in ("医保结算", "医保基金", "门诊统筹")
    )
    made = db.session.scalars(sa.select(Scenario).order_by(Scenario.id)).all()

    def level(s: Scenario) -> int:
        """A whole title word; inside a title word; a whole body word; inside a body word."""
        if s.title.startswith("门诊统筹"):
            return 2 if "医保结算" in s.description else 3
        return 0 if s.title.startswith("医保结算") else 1

    newest = sorted(made, key=lambda s: (s.published_at, s.id), reverse=True)
    by_relevance = sorted(newest, key=level)
    for sort, order in (("relevance", by_relevance), ("newest", newest)):
        for extra in ("", "&domain=智慧交通"):  # with a filter, counted in SQL
            shown = found(client, f"/scenarios?q=医保&sort={sort}{extra}", titles)
            shown += found(client, f"/scenarios?q=医保&sort={sort}&page=2{extra}", titles)
            assert shown == [s.title for s in order], (sort, extra)


def test_folding_the_count_rows_keeps_the_counts(publisher: User, firm: User) -> None:
    for n in range(3):
        make_scenario(publisher.organization, title=f"场景{n}")
    make_capability(firm.organization)
    rows = db.session.scalar(sa.select(sa.func.count()).select_from(ListingCount))
    enqueue("search.compact_counts")  # what the scheduler does every ten minutes
    db.session.commit()
    for side, expected in (("scenario", 3), ("capability", 1)):
        kept = db.session.scalars(
            sa.select(ListingCount.published).where(ListingCount.side == side)
        ).all()
        assert kept == [expected]  # one row per side, holding the count
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ListingCount)) <= rows
