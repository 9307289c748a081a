"""Session transactions: what audit records and queued jobs held back until the commit share."""

from __future__ import annotations

from typing import Any


def within(transaction: Any, ancestor: Any) -> bool:
    """Whether a (sub)transaction is `ancestor` or nested inside it."""
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False
