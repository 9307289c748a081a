"""The public portal: home figures, search, filters, pages, and what anonymous visitors see."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from app.models import ListingStatus, Role, User
from tests.conftest import login
from tests.factories import make_capability, make_org, make_scenario


def test_an_empty_platform_says_so(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert "暂无已发布的场景" in page
    assert "暂无已发布的能力" in page
    assert "没有符合条件的场景" in client.get("/scenarios").get_data(as_text=True)


def test_the_home_page_counts_and_lists_only_published_listings(
    client: FlaskClient, publisher: User, firm: User
) -> None:
    make_scenario(publisher.organization, title="已发布的场景一")
    make_scenario(publisher.organization, ListingStatus.DRAFT, title="草稿场景不公开")
    make_capability(firm.organization, title="已发布的能力一")
    make_capability(firm.organization, ListingStatus.PENDING, title="待审能力不公开")
    page = client.get("/").get_data(as_text=True)
    assert '<strong data-testid="count-scenarios">1</strong>' in page
    assert '<strong data-testid="count-capabilities">1</strong>' in page
    assert "已发布的场景一" in page
    assert "已发布的能力一" in page
    assert "草稿场景不公开" not in page
    assert "待审能力不公开" not in page


def test_search_and_filters_narrow_the_scenario_list(client: FlaskClient, publisher: User) -> None:
    org = publisher.organization
    make_scenario(
        org,
        title="智慧停车诱导",
        domain="智慧交通",
        district="历下区",
        description="停车难，车位信息不透明，希望建设停车诱导系统，实时发布泊位。",
    )
    make_scenario(
        org,
        title="医保基金智能监管",
        domain="智慧医疗",
        district="市中区",
        description="医保基金欺诈骗保手段隐蔽，希望用大数据规则和模型发现异常结算。",
    )
    make_scenario(
        org,
        title="交通信号优化",
        domain="智慧交通",
        district="市中区",
        description="路口红绿灯配时固定，高峰拥堵，希望根据流量自适应调整信号。",
    )

    def titles(query: str) -> set[str]:
        page = client.get(f"/scenarios?{query}").get_data(as_text=True)
        return {t for t in ("智慧停车诱导", "医保基金智能监管", "交通信号优化") if t in page}

    assert titles("") == {"智慧停车诱导", "医保基金智能监管", "交通信号优化"}
    assert titles("q=医保") == {"医保基金智能监管"}
    assert titles("q=%E9%85%8D%E6%97%B6") == {"交通信号优化"}  # 配时, in the description
    assert titles("domain=智慧交通") == {"智慧停车诱导", "交通信号优化"}
    assert titles("domain=智慧交通&district=市中区") == {"交通信号优化"}
    assert titles("q=100%25") == set()  # a literal % is not a wildcard
    assert titles("domain=不存在的领域") == set()


def test_capabilities_filter_by_domain_district_and_firm_name(client: FlaskClient) -> None:
    east = make_org(Role.FIRM, name="历下数字科技", district="历下区")
    west = make_org(Role.FIRM, name="槐荫智能制造", district="槐荫区")
    make_capability(east, title="政务数据共享平台", domains=["智慧政务"])
    make_capability(west, title="设备预测性维护", domains=["工业制造"])

    def titles(query: str) -> set[str]:
        page = client.get(f"/capabilities?{query}").get_data(as_text=True)
        return {t for t in ("政务数据共享平台", "设备预测性维护") if t in page}

    assert titles("domain=工业制造") == {"设备预测性维护"}
    assert titles("district=历下区") == {"政务数据共享平台"}
    assert titles("q=槐荫智能") == {"设备预测性维护"}


def test_pages_hold_a_fixed_number_and_link_onwards(
    app: Flask, client: FlaskClient, publisher: User
) -> None:
    size = app.config["PAGE_SIZE"]
    for n in range(size + 3):
        make_scenario(publisher.organization, title=f"分页场景{n:02d}")
    first = client.get("/scenarios").get_data(as_text=True)
    assert first.count('class="card"') == size
    assert "下一页" in first
    assert f"共 {size + 3} 条" in first
    second = client.get("/scenarios?page=2").get_data(as_text=True)
    assert second.count('class="card"') == 3
    assert client.get("/scenarios?page=999").status_code == 200
    assert client.get("/scenarios?page=abc").status_code == 200
    assert client.get("/scenarios?page=-1").status_code == 200


def test_contacts_are_masked_for_anonymous_visitors(
    client: FlaskClient, publisher: User, firm: User
) -> None:
    scenario = make_scenario(publisher.organization, contact_phone="13805310001")
    page = client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
    assert "138****0001" in page
    assert "13805310001" not in page
    login(client, firm)
    # approved organisations see the number only after the logged reveal
    assert "13805310001" not in client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
    client.post(f"/scenarios/{scenario.id}/contact")
    assert "13805310001" in client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)


def test_unknown_ids_answer_404_not_500(client: FlaskClient) -> None:
    for url in ("/scenarios/999999", "/capabilities/999999", "/scenarios/abc", "/nowhere"):
        assert client.get(url).status_code == 404


def test_errors_answer_json_to_clients_that_ask_for_it(client: FlaskClient) -> None:
    response = client.get("/scenarios/999999", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json["error"] == "页面不存在，或您无权查看。"
    assert response.json["request_id"] == response.headers["X-Request-ID"]
