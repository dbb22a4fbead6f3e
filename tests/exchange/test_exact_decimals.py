"""Money and quantity columns are exact on every database: stored and read back digit for
digit, compared, ordered, summed and multiplied exactly in SQL (on SQLite too, where a
DECIMAL column would be a float of about 15 digits)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Min
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import Balance, LedgerEntry
from exchange.models.exact_sql import ExactProduct, ExactSum
from exchange.models.fields import from_text, sortable_text
from fees.models import FeeTier
from tests.accounts.funds_rows import an_entry

PLACES = 18
DIGITS = 42
amounts = st.decimals(
    min_value=Decimal("-1e41"), max_value=Decimal("1e41"), places=PLACES, allow_nan=False
)


@given(amounts)
def test_the_text_form_reads_back_as_the_same_number(value: Decimal) -> None:
    assert from_text(sortable_text(value, integer_digits=DIGITS, places=PLACES)) == value


@given(amounts, amounts)
def test_the_text_form_sorts_as_the_numbers_do(a: Decimal, b: Decimal) -> None:
    text_a = sortable_text(a, integer_digits=DIGITS, places=PLACES)
    text_b = sortable_text(b, integer_digits=DIGITS, places=PLACES)
    assert (text_a < text_b) == (a < b)
    assert (text_a == text_b) == (a == b)


def test_the_text_form_rounds_half_away_from_zero_and_refuses_overflow() -> None:
    assert from_text(sortable_text(Decimal("0.125"), integer_digits=2, places=2)) == Decimal("0.13")
    assert from_text(sortable_text(Decimal("-0.125"), integer_digits=2, places=2)) == Decimal(
        "-0.13"
    )
    assert sortable_text(Decimal("-0"), integer_digits=2, places=2) == "00.00"
    with pytest.raises(ValueError, match="integer digits"):
        sortable_text(Decimal("100"), integer_digits=2, places=2)


BIG = "123456789012345678901234567890.123456789012345678"


@pytest.mark.django_db
def test_eighteen_decimals_and_thirty_integer_digits_read_back_exactly() -> None:
    Balance.objects.create(account="7", asset="ETH", available=BIG, locked="0.1", last_seq=1)

    row = Balance.objects.get()

    assert row.available == Decimal(BIG)
    assert row.locked == Decimal("0.1")
    assert Balance.objects.filter(available=Decimal(BIG)).exists()


@pytest.mark.django_db
def test_comparisons_ordering_and_extremes_follow_the_numbers() -> None:
    values = ["-0.00015", "-0.0001", "0", "0.00000001", "9.5", "10", "9999.5"]
    for number, rate in enumerate(reversed(values)):
        FeeTier.objects.create(
            name=str(number), min_volume_30d=number, maker_rate=rate, taker_rate="0.001"
        )

    ordered = list(FeeTier.objects.order_by("maker_rate").values_list("maker_rate", flat=True))
    extremes = FeeTier.objects.aggregate(low=Min("maker_rate"), high=Max("maker_rate"))

    assert ordered == [Decimal(v) for v in values]
    assert extremes == {"low": Decimal("-0.00015"), "high": Decimal("9999.5")}
    assert FeeTier.objects.filter(maker_rate__lt=0).count() == 2
    assert FeeTier.objects.filter(maker_rate__gte=Decimal("9.5")).count() == 3


@pytest.mark.django_db
def test_check_constraints_still_refuse_what_they_refused() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Balance.objects.create(account="7", asset="ETH", available="-1", locked="0", last_seq=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        an_entry(1, "@external/external", "7/available", "0")


@pytest.mark.django_db
def test_sums_and_products_in_sql_are_exact() -> None:
    an_entry(1, "@external/external", "7/available", "1000000000.000000000000000001")
    an_entry(2, "@external/external", "7/available", "0.123456789012345678")
    an_entry(3, "@external/external", "8/available", "0.000000000000000001")

    sums = dict(
        LedgerEntry.objects.order_by()
        .values("to_account")
        .annotate(total=ExactSum("amount"))
        .values_list("to_account", "total")
    )
    squares = LedgerEntry.objects.filter(to_account="7").aggregate(
        total=ExactSum(ExactProduct("amount", "amount"))
    )
    nothing = LedgerEntry.objects.filter(to_account="9").aggregate(total=ExactSum("amount"))

    assert sums == {
        "7": Decimal("1000000000.123456789012345679"),
        "8": Decimal("0.000000000000000001"),
    }
    # (10⁹ + 10⁻¹⁸)² = 10¹⁸ + 2·10⁻⁹ + 10⁻³⁶, plus 0.123456789012345678²
    assert squares["total"] == Decimal("1000000000000000000.015241580753238836527968299765279685")
    assert nothing == {"total": None}


def test_the_column_is_text_on_sqlite_and_numeric_elsewhere() -> None:
    field = Balance._meta.get_field("available")
    expected = "text" if connection.vendor == "sqlite" else "numeric(60, 18)"
    assert field.db_type(connection) == expected
