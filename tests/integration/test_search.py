"""Public search on the list pages: Chinese words, relevance, highlighting, filters, sorts, pages."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app import taxonomy
from app.extensions import db
from app.models import ListingStatus, Role, Scenario, User
from app.recommendations import services as recommendations
from app.search.filters import Filters
from app.search.highlight import highlight, snippet
from tests.conftest import login, make_capability, make_org, make_scenario

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
    today = date.today()
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
    scenario.deadline = date.today() - timedelta(days=1)
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
    recommendations.record_change(road, "remove")
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
    from app.models import SearchDocument
    from app.recommendations import maintenance

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
    recommendations.record_engine_change()  # any worker loads the stored rows afresh
    db.session.commit()
    assert found(client, "/scenarios?q=医院预约", ("醫院預約掛號",)) == []

    maintenance.refeaturize()  # what `flask match rebuild --refeaturize` runs first
    recommendations.record_engine_change()
    db.session.commit()
    [document] = db.session.scalars(sa.select(SearchDocument)).all()
    assert document.title_tokens.split() == ["医院", "预约挂号"]
    assert found(client, "/scenarios?q=医院预约", ("醫院預約掛號",)) == ["醫院預約掛號"]
