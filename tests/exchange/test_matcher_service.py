"""The real matcher (run_matcher's on PostgreSQL and Redis, or in the test process on the
embedded settings: tests/exchange/matcher_helpers.py): commands over the transport, durable
replies, events persisted to the database, deadlines respected, a clean stop."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync

from exchange.models import MatcherState, Order, Trade
from matching.service import client
from matching.service.protocol import matcher_channel, now_ms, request
from matching.service.transport import get_transport
from tests.exchange.matcher_helpers import placed_order, status, wait_for

pytestmark = [pytest.mark.django_db(transaction=True)]


def place(user, side: str, price: str, quantity: str, **fields) -> dict:
    command = {"op": "new", "user": user.pk, "symbol": "BTC-USDT", "side": side,
               "type": "limit", "price": price, "quantity": quantity, **fields}  # fmt: skip
    return client.call_sync(command)


def persisted(seq: int) -> bool:
    return MatcherState.objects.get(shard="").persisted_seq >= seq


def test_orders_sent_over_the_layer_are_matched_and_persisted(matcher, traders) -> None:
    maker, taker = traders
    sell = place(maker, "sell", "100.00", "1")
    buy = place(taker, "buy", "100.50", "0.4")

    sell_id = sell["order_id"]
    kinds = [event["kind"] for event in buy["events"]]
    trade = next(event for event in buy["events"] if event["kind"] == "trade")
    assert "trade" in kinds
    assert (trade["price"], trade["quantity"], trade["maker_order_id"]) == (
        "100.00",
        "0.400",
        sell_id,
    )
    wait_for(lambda: persisted(buy["seq"]), "the persister catches up")
    resting = Order.objects.get(pk=sell_id)
    assert (resting.status, str(resting.filled_quantity.normalize())) == ("partially_filled", "0.4")
    row = Trade.objects.get()
    assert (row.maker_user, row.taker_user, row.taker_side) == (maker, taker, "buy")
    assert list(resting.events.values_list("status", flat=True)) == ["new", "partially_filled"]


def test_a_rejected_order_is_answered_and_not_stored(matcher, traders) -> None:
    reply = place(traders[0], "sell", "100.001", "1")

    event = placed_order(reply)
    assert (event["status"], event["reason"]) == ("rejected", "tick_size")
    wait_for(lambda: persisted(reply["seq"]), "the persister catches up")
    assert not Order.objects.exists()


def test_a_command_read_past_its_deadline_is_dropped_and_counted(matcher, traders) -> None:
    command = {"op": "new", "user": traders[0].pk, "symbol": "BTC-USDT", "side": "sell",
               "type": "limit", "price": "100", "quantity": "1"}  # fmt: skip
    command["client_order_id"] = "late"
    async_to_sync(get_transport().send)(matcher_channel(), request(command, None, now_ms() - 1))

    wait_for(lambda: status()["dropped_late"] == 1, "the matcher drops the late command")
    later = place(traders[0], "sell", "101", "1")
    wait_for(lambda: persisted(later["seq"]), "the persister catches up")
    assert not Order.objects.filter(client_order_id="late").exists()


def test_sigterm_stops_the_matcher_cleanly_with_a_snapshot(matcher, traders, tmp_path) -> None:
    place(traders[0], "sell", "100", "1")

    assert matcher.terminate() == 0
    snapshots = list((tmp_path / "data" / "snapshots").glob("snapshot-*.json"))
    assert snapshots, "no snapshot written at shutdown"


def test_the_matcher_process_runs_on_the_event_loop_settings_names(matcher, traders) -> None:
    """run_matcher's loop is EXCHANGE_MATCHER_LOOP's (uvloop's by default): its extension is
    mapped into the process."""
    popen = getattr(matcher, "popen", None)
    if popen is None:
        pytest.skip("the matcher runs in the test process (embedded settings)")
    place(traders[0], "sell", "100", "1")  # it serves

    with open(f"/proc/{popen.pid}/maps") as maps:
        assert "/uvloop/loop." in maps.read()
