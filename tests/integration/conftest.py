"""Every test here uses the suite's database (see the `database` fixture of tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _database(database: None) -> None:
    """An app context on the database, rolled back (or wiped, for `commits`) afterwards."""
