"""Public identifiers: one per listing, parsed back exactly, anything else refused."""

import pytest

from app.open_data.identifiers import parse_public_id, public_id


def test_identifier_round_trips_for_both_kinds():
    assert public_id("scenario", 42) == "jnsc-S-42"
    assert parse_public_id("jnsc-S-42") == ("scenario", 42)
    assert parse_public_id(public_id("capability", 7)) == ("capability", 7)


@pytest.mark.parametrize(
    "text",
    ["", "jnsc-S-0", "jnsc-S-042", "jnsc-X-1", "JNSC-S-1", "jnsc-S-1 ", "jnsc-S-" + "9" * 19],
)
def test_malformed_identifiers_are_refused(text):
    assert parse_public_id(text) is None
