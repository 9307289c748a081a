"""The industry map: firms by chain and district, filters, honours and published capabilities."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from app import taxonomy
from app.extensions import db
from app.industry import services
from app.models import ListingStatus, Organization, OrgStatus, Role
from tests.factories import make_capability, make_org


def firm(
    name: str, chain: str | None, district: str, local: bool = True, honours: tuple[str, ...] = ()
) -> Organization:
    org = make_org(Role.FIRM, name=name, industry_chain=chain, district=district, is_local=local)
    org.honours = taxonomy.terms("honour", honours)
    db.session.commit()
    return org


def build_world() -> dict[str, Organization]:
    world = {
        "a": firm(
            "甲软件",
            "软件和信息技术服务",
            "历下区",
            honours=(
                "专精特新",
                "高新技术企业",
            ),
        ),
        "b": firm("乙芯片", "集成电路", "济南高新区", honours=("小巨人",)),
        "c": firm("丙软件", "软件和信息技术服务", "济南高新区"),
        "d": firm("丁外地", "人工智能", "历下区", local=False, honours=("专精特新",)),
        "e": firm("戊未填", None, "市中区"),
    }
    make_org(Role.FIRM, name="待审企业", industry_chain="集成电路", status=OrgStatus.PENDING)
    make_org(Role.PUBLISHER, name="某发布单位", industry_chain="集成电路")
    make_capability(world["a"], title="已发布的政务中台")
    make_capability(world["a"], ListingStatus.DRAFT, title="草稿能力不公开")
    return world


def grid(filters: services.IndustryFilters) -> services.ClusterGrid:
    return services.cluster_grid(
        filters, taxonomy.names("industry_chain"), taxonomy.names("district")
    )


def test_firms_are_counted_by_chain_and_district_in_taxonomy_order() -> None:
    build_world()
    g = grid(services.IndustryFilters())
    assert g.total == 5  # the pending firm and the publisher are not on the map
    assert g.chains == ("软件和信息技术服务", "集成电路", "人工智能", services.NO_CHAIN)
    assert g.districts == ("历下区", "市中区", "济南高新区")
    assert g.count("软件和信息技术服务", "历下区") == 1
    assert g.count("软件和信息技术服务", "济南高新区") == 1
    assert g.chain_total("软件和信息技术服务") == 2
    assert g.district_total("历下区") == 2
    assert g.count(services.NO_CHAIN, "市中区") == 1


def test_filters_narrow_the_map() -> None:
    build_world()
    assert grid(services.IndustryFilters(honour="专精特新")).total == 2
    assert grid(services.IndustryFilters(honour="专精特新", local="1")).total == 1
    assert grid(services.IndustryFilters(local="0")).total == 1
    assert grid(services.IndustryFilters(chain="集成电路")).total == 1
    assert grid(services.IndustryFilters(district="济南高新区")).total == 2
    assert grid(services.IndustryFilters(chain="不存在")).total == 0


def test_unknown_local_values_are_ignored() -> None:
    assert services.IndustryFilters.from_args({"local": "maybe", "chain": " 集成电路 "}) == (
        services.IndustryFilters(chain="集成电路")
    )


def test_the_page_lists_firms_with_honours_and_published_capabilities_only(
    client: FlaskClient,
) -> None:
    build_world()
    page = client.get("/industry?honour=专精特新&local=1").get_data(as_text=True)
    assert re.search(r'data-testid="firm-total">共 1 家', page)
    assert "甲软件" in page
    assert "丁外地" not in page
    assert "高新技术企业" in page
    assert "已发布的政务中台" in page
    assert "草稿能力不公开" not in page
    assert '<option value="专精特新" selected>' in page


def test_an_empty_selection_says_so(client: FlaskClient) -> None:
    page = client.get("/industry?chain=不存在").get_data(as_text=True)
    assert "没有符合条件的企业" in page


def test_firms_are_listed_by_chain_in_taxonomy_order_then_name() -> None:
    build_world()
    chains = taxonomy.names("industry_chain")
    firms = db.session.scalars(services.firm_query(services.IndustryFilters(), chains)).all()
    assert [f.name for f in firms] == ["丙软件", "甲软件", "乙芯片", "丁外地", "戊未填"]
