"""An exchange on any database (the embedded SQLite included) reconciles to the last digit:
after transfers and trades of large and 18-decimal amounts, written by the persister, the
engine's balances, the ledger's sums and the Balance rows all agree and no alert is raised."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from accounts.models import Balance, ReconciliationAlert
from exchange.models import Market, MatcherState
from matching.service.funds_sync import balances_report
from matching.service.persister import write_items
from tests.accounts.funds_rows import matcher_reports, persisted_up_to, reconcile
from tests.exchange.engine_run import Matcher

pytestmark = pytest.mark.django_db

SYMBOL = {
    "op": "symbol",
    "symbol": "ETH-USDT",
    "base": "ETH",
    "quote": "USDT",
    "tick_size": "0.000001",
    "lot_size": "0.000000000001",
}


def transfer(user: int, asset: str, amount: str, transfer_id: str) -> dict:
    return dict(op="credit", transfer_id=transfer_id, user=user, asset=asset, amount=amount)


def limit(user: int, side: str, quantity: str, price: str) -> dict:
    return dict(
        op="new", user=user, symbol="ETH-USDT", side=side, type="limit",
        quantity=quantity, price=price,
    )  # fmt: skip


def test_large_and_eighteen_decimal_amounts_reconcile_without_a_difference(monkeypatch):
    users = get_user_model().objects
    maker, taker = (users.create_user(name).pk for name in ("maker", "taker"))
    Market.objects.create(
        base="ETH", quote="USDT", tick_size=SYMBOL["tick_size"], lot_size=SYMBOL["lot_size"]
    )
    state = MatcherState.objects.create(number=1, shard="")
    matcher = Matcher()
    items = matcher.run(
        SYMBOL,
        {"op": "funds", "enabled": True},
        {"op": "fees", "user": maker, "maker_rate": "0.000123", "taker_rate": "0.000987"},
        transfer(maker, "ETH", "123456789.123456789012345678", "m-eth"),
        transfer(taker, "USDT", "999999999999.999999999999999999", "t-usdt"),
        transfer(taker, "ETH", "0.000000000000000001", "t-eth"),
        limit(maker, "sell", "1234.567890123456", "3456.789012"),
        limit(taker, "buy", "777.777777777777", "3456.789013"),
        limit(maker, "sell", "0.000000000001", "3456.789011"),
        limit(taker, "buy", "0.000000000003", "3456.789011"),
    )
    write_items(state.pk, items)
    persisted_up_to(matcher.engine.seq)
    report = balances_report(matcher.engine)
    matcher_reports(monkeypatch, report["seq"], report["balances"])
    held = {(account, asset): available for account, asset, available, _ in report["balances"]}

    alerts = reconcile()
    assert [a.detail for a in alerts] == []
    assert not ReconciliationAlert.objects.exists()
    eth = Balance.objects.get(account=str(maker), asset="ETH").available
    assert eth == Decimal(held[(str(maker), "ETH")])
    assert len(eth.as_tuple().digits) > 15  # more digits than SQLite's floats hold
