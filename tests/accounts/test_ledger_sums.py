"""The ledger's balances at a seq are exact sums of 18-decimal amounts, whether the database
adds them up (PostgreSQL) or the rows are added up one by one (SQLite, which sums floats)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.reconciliation import ledger_balances
from tests.accounts.funds_rows import an_entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger() -> None:
    an_entry(1, "@external/external", "7/available", "1000000000.000000000000000001", "ETH")
    an_entry(2, "@external/external", "7/available", "0.123456789012345678", "ETH")
    an_entry(3, "7/available", "7/locked", "0.1", "ETH")
    an_entry(4, "7/available", "@fees/available", "0.2", "ETH")
    an_entry(5, "7/locked", "8/available", "0.1", "ETH")


@pytest.mark.parametrize("in_database", [True, False])
def test_sums_are_exact_either_way(ledger, in_database) -> None:
    assert ledger_balances(seq=4, in_database=in_database) == {
        ("7", "ETH"): (Decimal("999999999.823456789012345679"), Decimal("0.1")),
        ("@fees", "ETH"): (Decimal("0.2"), Decimal(0)),
    }


def test_the_world_outside_and_later_entries_are_left_out(ledger) -> None:
    balances = ledger_balances(seq=5)

    assert ("@external", "ETH") not in balances
    assert balances[("8", "ETH")] == (Decimal("0.1"), Decimal(0))
    assert balances[("7", "ETH")][1] == 0
