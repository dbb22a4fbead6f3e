"""The reconciliation compares, at the matcher's seq, its balances with the ledger's sums and
the Balance rows, and records an alert for each (account, asset) that differs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import Balance, ReconciliationAlert
from tests.accounts.funds_rows import an_entry, matcher_reports, persisted_up_to, reconcile

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger() -> None:
    """User 7 deposits 100 USDT and holds 30 of it; @fees earns 1 (from 8's deposit)."""
    an_entry(1, "@external/external", "7/available", "100")
    an_entry(2, "7/available", "7/locked", "30")
    an_entry(3, "@external/external", "8/available", "5")
    an_entry(4, "8/available", "@fees/available", "1")
    for account, available, locked, seq in (("7", 70, 30, 2), ("8", 4, 0, 4), ("@fees", 1, 0, 4)):
        Balance.objects.create(
            account=account, asset="USDT", available=available, locked=locked, last_seq=seq
        )
    persisted_up_to(4)


AGREEING = [["7", "USDT", "70", "30"], ["8", "USDT", "4", "0"], ["@fees", "USDT", "1", "0"]]


def test_no_alert_when_matcher_ledger_and_balances_agree(monkeypatch, ledger) -> None:
    sent = matcher_reports(monkeypatch, 4, AGREEING)

    assert reconcile() == []
    assert sent == [{"op": "balances"}]
    assert not ReconciliationAlert.objects.exists()


def test_an_alert_when_a_balance_row_differs(monkeypatch, ledger) -> None:
    Balance.objects.filter(account="7").update(available="69")
    matcher_reports(monkeypatch, 4, AGREEING)

    [alert] = reconcile()

    assert (alert.account, alert.asset, alert.seq) == ("7", "USDT", 4)
    assert (alert.matcher_available, alert.ledger_available) == (Decimal(70), Decimal(70))
    assert "balance row vs ledger" in alert.detail
    assert "balance row 69/30 (seq 2)" in alert.detail
    assert ReconciliationAlert.objects.get() == alert


def test_an_alert_when_the_matcher_differs_from_the_ledger(monkeypatch, ledger) -> None:
    matcher_reports(monkeypatch, 4, [["7", "USDT", "75", "25"], *AGREEING[1:]])

    [alert] = reconcile()

    assert (alert.matcher_available, alert.matcher_locked) == (Decimal(75), Decimal(25))
    assert (alert.ledger_available, alert.ledger_locked) == (Decimal(70), Decimal(30))
    assert alert.detail.startswith("matcher vs ledger differ")


def test_a_balance_only_the_matcher_has_counts_the_ledger_as_zero(monkeypatch, ledger) -> None:
    matcher_reports(monkeypatch, 4, [*AGREEING, ["9", "BTC", "2", "0"]])

    [alert] = reconcile()

    assert (alert.account, alert.asset, alert.matcher_available) == ("9", "BTC", Decimal(2))
    assert alert.ledger_available is None
    assert "ledger none" in alert.detail


def test_a_balance_the_matcher_lacks_is_an_alert(monkeypatch, ledger) -> None:
    matcher_reports(monkeypatch, 4, AGREEING[:2])

    [alert] = reconcile()

    assert (alert.account, alert.matcher_available, alert.ledger_available) == (
        "@fees",
        None,
        Decimal(1),
    )


def test_what_happened_after_the_matchers_seq_is_left_out(monkeypatch, ledger) -> None:
    an_entry(5, "7/locked", "7/available", "30")
    Balance.objects.filter(account="7").update(available=100, locked=0, last_seq=5)
    persisted_up_to(5)
    matcher_reports(monkeypatch, 4, AGREEING)

    assert reconcile() == []


def test_a_lasting_difference_is_recorded_once_until_resolved(monkeypatch, ledger) -> None:
    matcher_reports(monkeypatch, 4, [["7", "USDT", "75", "25"], *AGREEING[1:]])
    reconcile()

    assert reconcile() == []
    ReconciliationAlert.objects.update(resolved=True)
    assert len(reconcile()) == 1
    assert ReconciliationAlert.objects.count() == 2
