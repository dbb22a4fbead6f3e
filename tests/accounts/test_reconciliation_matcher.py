"""End to end: a real matcher credits a (funded) trader, the persister writes the ledger and the
balance, and the reconciliation finds them all in agreement, until a Balance row is altered."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import Balance, LedgerEntry, ReconciliationAlert
from matching.service import client
from tests.accounts.funds_rows import reconcile
from tests.exchange.matcher_helpers import TRADER_FUNDS, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_credit_reconciles_and_a_tampered_balance_is_caught(matcher, traders) -> None:
    trader = traders[0]
    reply = client.call_sync(
        {"op": "credit", "transfer_id": "t1", "user": trader.pk, "asset": "USDT", "amount": "100"},
        timeout_ms=5000,
    )
    assert any(event["kind"] == "posting" for event in reply["events"]), reply
    wait_for(LedgerEntry.objects.filter(transfer_id="t1").exists, "the persister writes the credit")
    balance = Balance.objects.filter(account=str(trader.pk), asset="USDT")
    credited = Decimal(TRADER_FUNDS["USDT"]) + 100
    assert balance.get().available == credited

    assert reconcile() == []

    balance.update(available=Decimal("99.5"))
    [alert] = reconcile()

    assert (alert.account, alert.asset) == (str(trader.pk), "USDT")
    assert alert.matcher_available == alert.ledger_available == credited
    assert "balance row 99.5/0" in alert.detail
    assert ReconciliationAlert.objects.count() == 1
