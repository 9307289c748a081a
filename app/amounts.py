"""Amounts in 万元, written one way on every page, timeline note and case: 260 万元, 12.5 万元."""

from __future__ import annotations

from decimal import Decimal


def plain(value: Decimal | int) -> str:
    """The number without trailing zeros or an exponent: 260, 12.5, 0.01."""
    number = Decimal(value)
    if number == number.to_integral():
        return str(int(number))
    return f"{number.normalize():f}"


def wan(value: Decimal | int) -> str:
    """An amount with its unit: 260 万元."""
    return f"{plain(value)} 万元"
