"""Numbers a user can type into a URL that no row or page can have: an id answers 404, a page
number is the last page allowed, a filter is ignored; never a 500 from a database refusing
them."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import AnyConverter, IntegerConverter, Rule

from app.models import Role, User
from tests.conftest import login
from tests.factories import make_scenario

TOO_BIG = ("2147483648", "99999999999999999999")  # past INTEGER; past BIGINT as well

# every list with pages, and who reads it (None: anyone)
PAGED = (
    ("/scenarios", None),
    ("/capabilities", None),
    ("/cases", None),
    ("/industry", None),
    ("/notifications/", Role.PUBLISHER),
    ("/my/engagements", Role.PUBLISHER),
    ("/review/listings", Role.REVIEWER),
    ("/review/engagements", Role.REVIEWER),
    ("/review/contacts", Role.REVIEWER),
    ("/review/jobs", Role.SYSADMIN),
)


def _url_with(rule: Rule, number: str) -> str:
    """The rule's URL with `number` for every integer part (the first choice of the others)."""
    values = {}
    for name, converter in rule._converters.items():  # noqa: SLF001 -- the rule's own parts
        if isinstance(converter, IntegerConverter):
            values[name] = number
        elif isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]  # type: ignore[attr-defined]
        else:
            values[name] = "x"
    path = rule.rule
    for name, value in values.items():
        path = path.replace(f"<{name}>", value)
        path = path.replace(f"<{_spec(rule.rule, name)}:{name}>", value)
    return path


def _spec(path: str, name: str) -> str:
    """The converter spec written before `:name>` in a rule, e.g. int or any(a, b)."""
    end = path.index(f":{name}>")
    start = path.rindex("<", 0, end)
    return path[start + 1 : end]


def _id_routes(app: Flask) -> list[Rule]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ())
        and any(isinstance(c, IntegerConverter) for c in rule._converters.values())  # noqa: SLF001
    ]


def test_every_route_with_an_id_answers_404_for_an_id_no_row_can_have(
    app: Flask, client: FlaskClient, admin: User
) -> None:
    routes = _id_routes(app)
    assert len(routes) > 20  # the site's detail pages, downloads, versions, jobs, …
    login(client, admin)
    for rule in routes:
        for number in TOO_BIG:
            url = _url_with(rule, number)
            assert client.get(url).status_code == 404, url


@pytest.mark.parametrize(("path", "reader"), PAGED)
def test_a_huge_page_number_is_an_empty_page_and_nonsense_is_page_one(
    client: FlaskClient,
    admin: User,
    sysadmin: User,
    publisher: User,
    path: str,
    reader: Role | None,
) -> None:
    make_scenario(publisher.organization, title="智慧停车诱导系统")
    readers = {None: None, Role.REVIEWER: admin, Role.SYSADMIN: sysadmin, Role.PUBLISHER: publisher}
    login(client, readers[reader])
    first = client.get(path)
    assert first.status_code == 200
    for huge in ("10001", "99999999999999999999"):  # the last page allowed: empty
        answer = client.get(f"{path}?page={huge}")
        assert answer.status_code == 200, huge
        assert "智慧停车诱导系统" not in answer.get_data(as_text=True)
    for nonsense in ("-3", "0", "abc", ""):  # the first page
        answer = client.get(f"{path}?page={nonsense}")
        assert answer.status_code == 200, nonsense
        shown = "智慧停车诱导系统" in answer.get_data(as_text=True)
        assert shown == ("智慧停车诱导系统" in first.get_data(as_text=True)), nonsense


@pytest.mark.parametrize("path", ["/review/contacts", "/review/listings"])
def test_an_organisation_filter_no_row_can_match_is_ignored(
    client: FlaskClient, admin: User, path: str
) -> None:
    login(client, admin)
    for number in TOO_BIG:
        assert client.get(f"{path}?org={number}").status_code == 200
