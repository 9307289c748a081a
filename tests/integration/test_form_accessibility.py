"""Form errors are text tied to their field, so a screen reader reads them with it."""

from __future__ import annotations

import re

from flask.testing import FlaskClient


def test_a_refused_field_names_its_error_and_hint(client: FlaskClient) -> None:
    html = client.post("/auth/register", data={}).get_data(as_text=True)
    fields = re.findall(r"<input [^>]*aria-invalid=\"true\"[^>]*>", html)
    assert fields, "the refused fields are marked"
    for field in fields:
        described = re.search(r'aria-describedby="([^"]+)"', field)
        assert described, field
        for ref in described.group(1).split():
            text = re.search(rf'id="{ref}">(.*?)</(p|div)>', html, re.S)
            assert text, ref
            assert re.sub(r"<[^>]+>", "", text.group(1)).strip(), ref
