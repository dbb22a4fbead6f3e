"""An ORDER event as a dict (`event_format.event_dict`): each of its five quantities is the
event's lots written with the market's lot places, whichever of them are equal, and the
price with the tick's places; an order of no market (a refusal) writes "0" and no price."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from matching.engine import Engine
from matching.engine.events import ORDER
from matching.engine.units import format_units
from matching.service.event_format import event_dict

from .helpers import symbol


def engine_with_market() -> Engine:
    engine = Engine()
    engine.process(symbol("BTC-USDT", tick="0.50", lot="0.0010"))
    return engine


ENGINE = engine_with_market()
MARKET = ENGINE.markets["BTC-USDT"]
lots = st.sampled_from([0, 1, 7, 1000]) | st.integers(0, 10**12)


@given(lots, lots, lots, lots, st.none() | st.integers(1, 10**9), st.sampled_from(["", "stp"]))
def test_each_quantity_is_written_with_the_lot_places(
    quantity, filled, remaining, visible, price, reason
):
    event = (ORDER, 5, "u1", "BTC-USDT", "buy", "open", price, quantity, filled, remaining,
             visible, reason)  # fmt: skip
    written = event_dict(ENGINE, event)

    def text(count):
        return format_units(count, MARKET.lot_num, MARKET.lot_places)

    assert written == {
        "kind": ORDER,
        "order_id": 5,
        "user": "u1",
        "symbol": "BTC-USDT",
        "side": "buy",
        "status": "open",
        "price": None if price is None else format_units(price, MARKET.tick_num, 2),
        "quantity": text(quantity),
        "filled_quantity": text(filled),
        "remaining_quantity": text(quantity - filled),
        "open_quantity": text(remaining),
        "visible_quantity": text(visible),
        "reason": reason or None,
    }


def test_a_resting_order_and_a_filled_one():
    resting = (ORDER, 1, "u1", "BTC-USDT", "buy", "open", 200, 1500, 0, 1500, 1500, "")
    filled = (ORDER, 1, "u1", "BTC-USDT", "buy", "filled", 200, 1500, 1500, 0, 0, "")
    assert [event_dict(ENGINE, resting)[field] for field in QUANTITIES] == [
        "1.5000", "0.0000", "1.5000", "1.5000", "1.5000"
    ]  # fmt: skip
    assert [event_dict(ENGINE, filled)[field] for field in QUANTITIES] == [
        "1.5000", "1.5000", "0.0000", "0.0000", "0.0000"
    ]  # fmt: skip
    assert event_dict(ENGINE, resting)["price"] == "100.00"


def test_an_order_of_no_market_writes_zero_and_no_price():
    refused = (ORDER, 9, "u1", "NOPE-USDT", "buy", "rejected", 200, 1500, 0, 0, 0, "unknown_symbol")
    written = event_dict(ENGINE, refused)
    assert [written[field] for field in QUANTITIES] == ["0"] * 5
    assert written["price"] is None and written["reason"] == "unknown_symbol"


QUANTITIES = (
    "quantity", "filled_quantity", "remaining_quantity", "open_quantity", "visible_quantity"
)  # fmt: skip
