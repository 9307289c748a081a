"""Amounts in 万元 are written one way everywhere."""

from decimal import Decimal

import pytest

from app import amounts


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("260.00"), "260"),
        (Decimal("260"), "260"),
        (Decimal("12.50"), "12.5"),
        (Decimal("0.01"), "0.01"),
        (Decimal("1E+3"), "1000"),
        (7, "7"),
    ],
)
def test_plain_numbers_drop_trailing_zeros_and_exponents(value, text):
    assert amounts.plain(value) == text
    assert amounts.wan(value) == f"{text} 万元"
