"""An embedded (SQLite) database made before the decimal columns were exact keeps, through
the migration, every value it still held exactly: integers digit for digit, and the 15
significant digits SQLite kept of any other value. Afterwards the columns sort, compare and
refuse bad rows as before. On PostgreSQL the migration changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from accounts.models import Balance
from fees.models import FeeTier

BEFORE = [("accounts", "0004_reconcile_schedule"), ("fees", "0003_recompute_tiers_schedule")]
AFTER = [("accounts", "0005_exact_decimals"), ("fees", "0004_exact_decimals")]


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)


@pytest.fixture
def old_rows():
    if connection.vendor != "sqlite":
        pytest.skip("only SQLite's columns change")
    _migrate(BEFORE)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_balance (account, asset, available, locked, last_seq) VALUES"
            " ('7', 'ETH', '999999999.823456789012345679', '1234567890123456789', 1),"
            " ('8', 'ETH', '0.1', '0', 2)"
        )
        cursor.execute(
            "INSERT INTO fees_feetier (name, min_volume_30d, maker_rate, taker_rate) VALUES"
            " ('a', '0', '-0.0001', '0.002'), ('b', '100000.5', '-0.00015', '0.001')"
        )
    yield
    _migrate(AFTER)


@pytest.mark.django_db(transaction=True)
def test_values_held_exactly_are_kept_and_others_keep_their_fifteen_digits(old_rows) -> None:
    _migrate(AFTER)

    balances = dict(Balance.objects.values_list("account", "available"))
    locked = Balance.objects.get(account="7").locked

    assert balances == {"7": Decimal("999999999.823457"), "8": Decimal("0.1")}
    assert locked == Decimal("1234567890123456789")
    assert list(FeeTier.objects.order_by("maker_rate").values_list("name", flat=True)) == [
        "b",
        "a",
    ]
    assert FeeTier.objects.get(name="b").min_volume_30d == Decimal("100000.5")
    assert Balance.objects.filter(available__gt=1).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Balance.objects.create(account="9", asset="ETH", available="-1", locked="0", last_seq=3)


@pytest.mark.django_db(transaction=True)
def test_the_migration_can_be_reversed(old_rows) -> None:
    _migrate(AFTER)
    _migrate(BEFORE)

    with connection.cursor() as cursor:
        cursor.execute("SELECT typeof(available), available FROM accounts_balance ORDER BY id")
        rows = cursor.fetchall()
        cursor.execute("SELECT maker_rate FROM fees_feetier ORDER BY name")
        rates = [row[0] for row in cursor.fetchall()]

    assert rows == [("real", 999999999.823457), ("real", 0.1)]
    assert rates == [-0.0001, -0.00015]
