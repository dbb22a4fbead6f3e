"""The one table of engine reasons (matching/service/reasons.py): the request field and the
sentence each reason gives, and how the order services and the market admin word them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from exchange.errors import MarketChangeRefused, OrderRejected
from exchange.models import Market
from exchange.services import markets as market_services
from exchange.services.orders import rejection
from matching.service import client
from matching.service.reasons import REASONS, Reason, reason_of

# API.md: "`field` names the request field: `price` for `tick_size`, `quantity` for
# `lot_size` and `min_qty`, and so on."
ORDER_FIELDS = {
    "unknown_symbol": "symbol",
    "symbol_halted": "symbol",
    "invalid_side": "side",
    "invalid_type": "type",
    "invalid_tif": "time_in_force",
    "invalid_quantity": "quantity",
    "lot_size": "quantity",
    "min_qty": "quantity",
    "min_notional": "quantity",
    "invalid_price": "price",
    "tick_size": "price",
    "invalid_trigger_price": "trigger_price",
    "invalid_display_quantity": "display_quantity",
    "post_only_would_take": "post_only",
    "expire_at_in_past": "expire_at",
    "invalid_stp": "stp_mode",
    "invalid_client_order_id": "client_order_id",
    "invalid_quote_quantity": "quote_quantity",
    "insufficient_funds": "quantity",
    "duplicate_client_order_id": "client_order_id",
    "invalid_combination": None,
    # API.md, "Market safety" and "Order control"
    "price_out_of_band": "price",
    "trigger_price_out_of_band": "trigger_price",
    "too_many_orders": None,
    "trading_disabled": None,
    "invalid_amend": None,
    "symbol_paused": "symbol",
}
# the code clients see where the engine's differs
CLIENT_CODES = {"trigger_price_out_of_band": "price_out_of_band"}
# with the market's own values in their {placeholders} (`Reason.worded`)
ORDER_MESSAGES = {
    "invalid_side": 'side is "buy" or "sell".',
    "invalid_type": "type is one of limit, market, stop_loss, stop_limit, take_profit, "
    "take_profit_limit.",
    "invalid_tif": "time_in_force is one of GTC, IOC, FOK, GTD, DAY.",
    "invalid_quantity": 'quantity is a positive decimal string, e.g. "{lot_size}" (the lot size).',
    "invalid_price": "price is a positive decimal string on the tick, {tick_size} {quote}, "
    'e.g. "100".',
    "invalid_trigger_price": "trigger_price is a positive decimal string on the tick, "
    "{tick_size} {quote}.",
    "invalid_display_quantity": "display_quantity is a positive whole multiple of the lot size, "
    "{lot_size} {base}, no more than the quantity.",
    "invalid_stp": "stp_mode is one of cancel_resting, cancel_incoming, cancel_both, "
    "decrement_both, cancel_smallest, none.",
    "invalid_client_order_id": "client_order_id is a non-empty string of at most 64 characters.",
    "invalid_quote_quantity": "quote_quantity is a positive decimal string with at most "
    "{quote_precision} decimals.",
    "tick_size": "The price is not a whole multiple of the tick size, {tick_size} {quote}.",
    "lot_size": "The quantity is not a whole multiple of the lot size, {lot_size} {base}.",
    "min_qty": "The quantity is below the minimum, {min_qty} {base}.",
    "min_notional": "Price × quantity is below the minimum notional, {min_notional} {quote}.",
    "post_only_would_take": "A post-only order would have matched on arrival.",
    "symbol_halted": "Trading in this market is halted.",
    "symbol_paused": "The market is paused by its circuit breaker: orders are refused until it "
    "reopens (cancels are taken).",
    "expire_at_in_past": "expire_at is not in the future.",
    "invalid_combination": "These fields do not go together for this order type.",
    "insufficient_funds": "Not enough available balance.",
    "duplicate_client_order_id": "An order with this client_order_id exists; nothing was placed.",
    "price_out_of_band": "The price is further from the last trade (or the mid) than the "
    "market's band, {price_band_pct} %.",
    "trigger_price_out_of_band": "The trigger price is further from the last trade (or the mid) "
    "than the market's band, {price_band_pct} %.",
    "too_many_orders": "You have {max_open_orders} open orders in {symbol}, as many as it "
    "allows; cancel some first.",
    "trading_disabled": "An administrator has stopped this account trading.",
    "invalid_amend": "Nothing to change, a quantity not above what has filled, or an order "
    "waiting for its trigger (only resting orders are amended).",
}
MARKET_REFUSALS = {
    "would_strand_orders": (
        "tick_size",
        "Live orders are off the new tick or lot grid; cancel them or choose a grid they fit.",
    ),
    "last_price_off_grid": ("tick_size", "The last trade price is off the new tick grid."),
    "invalid_tick_size": ("tick_size", "The tick size is a decimal more than 0, e.g. 0.01."),
    "invalid_lot_size": ("lot_size", "The lot size is a decimal more than 0, e.g. 0.001."),
    "invalid_min_qty": ("min_qty", "The minimum quantity is a decimal more than 0."),
    "invalid_min_notional": ("min_notional", "The minimum notional is 0 or more."),
    "invalid_quote_precision": ("quote_precision", "Give 0 to 18 decimal places."),
    "invalid_max_open_orders": ("max_open_orders", "Give a whole number, 0 or more."),
    "invalid_price_band_pct": ("price_band_pct", "Give a percentage from 0 to 999."),
    "invalid_breaker_move_pct": (
        "breaker_move_pct",
        "Give a percentage from 0 to 999, at most 8 decimal places.",
    ),
    "invalid_breaker_window_s": ("breaker_window_s", "Give whole seconds, 1 to 86400."),
    "invalid_breaker_pause_s": ("breaker_pause_s", "Give whole seconds, 1 to 86400."),
    "invalid_breaker_auction_s": ("breaker_auction_s", "Give whole seconds, from 0 to the pause."),
}


@pytest.mark.parametrize("code", sorted(ORDER_FIELDS))
def test_each_order_reason_names_its_request_field_and_sentence(code) -> None:
    assert reason_of(code) == Reason(
        code, ORDER_FIELDS[code], ORDER_MESSAGES.get(code), CLIENT_CODES.get(code)
    )
    assert reason_of(code).client_code == CLIENT_CODES.get(code, code)


@pytest.mark.parametrize("code", sorted(MARKET_REFUSALS))
def test_each_market_refusal_names_its_form_field_and_sentence(code) -> None:
    assert reason_of(code) == Reason(code, *MARKET_REFUSALS[code])


def test_the_table_holds_the_order_and_market_reasons_and_no_other() -> None:
    assert set(REASONS) == set(ORDER_FIELDS) | set(MARKET_REFUSALS)
    assert all(code == reason.code for code, reason in REASONS.items())


def test_a_reason_not_in_the_table_has_neither_field_nor_sentence() -> None:
    assert reason_of("no_such_reason") == Reason("no_such_reason", None, None)


# ---- an order's rejection ------------------------------------------------------------------

MARKET = Market(base="BTC", quote="USDT", tick_size=Decimal("0.01"), lot_size=Decimal("0.001"))


def test_a_rejection_carries_the_reason_its_field_and_sentence() -> None:
    error = rejection("lot_size", {"quantity": "1.0001"}, MARKET, {})

    assert isinstance(error, OrderRejected)
    assert (error.code, error.field, error.message, error.extra) == (
        "lot_size",
        "quantity",
        "The quantity is not a whole multiple of the lot size, 0.001 BTC.",
        {},
    )


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("tick_size", "The price is not a whole multiple of the tick size, 0.01 USDT."),
        ("min_qty", "The quantity is below the minimum, 0.001 BTC."),
        ("min_notional", "Price × quantity is below the minimum notional, 10 USDT."),
        ("too_many_orders", "You have 50 open orders in BTC-USDT, as many as it allows; cancel "
                            "some first."),
        ("price_out_of_band", "The price is further from the last trade (or the mid) than the "
                              "market's band, 7.5 %."),
        ("invalid_quote_quantity", "quote_quantity is a positive decimal string with at most 8 "
                                   "decimals."),
    ],
)  # fmt: skip
def test_a_rejection_names_the_market_s_own_tick_lot_and_minimums(code, message) -> None:
    market = Market(
        base="BTC", quote="USDT", tick_size=Decimal("0.01"), lot_size=Decimal("0.001"),
        min_notional=Decimal("10.00"), max_open_orders=50, price_band_pct=Decimal("7.50"),
        quote_precision=8,
    )  # fmt: skip

    assert rejection(code, {}, market, {}).message == message


def test_a_reason_without_a_sentence_is_worded_from_its_code() -> None:
    error = rejection("unknown_symbol", {"symbol": "X"}, MARKET, {})

    assert (error.field, error.message) == ("symbol", "The order was rejected: unknown_symbol.")


def test_a_placeholder_without_its_term_stays_as_written() -> None:
    assert reason_of("tick_size").worded({"tick_size": "0.5"}) == (
        "The price is not a whole multiple of the tick size, 0.5 {quote}."
    )


def test_tick_size_is_the_trigger_price_s_when_the_price_is_on_the_grid() -> None:
    on_grid = {"price": "100.01", "trigger_price": "99.005"}
    off_grid = {"price": "100.005", "trigger_price": "99.00"}

    assert rejection("tick_size", on_grid, MARKET, {}).field == "trigger_price"
    assert rejection("tick_size", off_grid, MARKET, {}).field == "price"
    assert rejection("tick_size", {"price": "1.005"}, MARKET, {}).field == "price"


@pytest.mark.parametrize("code", ["min_notional", "min_qty"])
def test_a_minimum_of_a_quote_quantity_order_is_the_quote_quantity_s(code) -> None:
    by_quote = {"type": "market", "quote_quantity": "1"}

    assert rejection(code, by_quote, MARKET, {}).field == "quote_quantity"
    assert rejection(code, {"quantity": "0.001"}, MARKET, {}).field == "quantity"


def test_a_duplicate_client_order_id_carries_the_existing_order_s_id() -> None:
    error = rejection("duplicate_client_order_id", {}, MARKET, {"existing_order_id": 42})

    assert (error.code, error.field, error.extra) == (
        "duplicate_client_order_id",
        "client_order_id",
        {"order_id": 42},
    )
    assert error.message == ORDER_MESSAGES["duplicate_client_order_id"]


# ---- a market change (exchange/services/markets.py) ------------------------------------------


def stored_market() -> Market:
    return Market(
        base="BTC", quote="USDT", tick_size=Decimal("0.01"), lot_size=Decimal("0.001"),
        min_notional=Decimal("0"), quote_precision=8, status="trading", version=3,
        matcher_error="old",
    )  # fmt: skip


def answering(monkeypatch, reply: dict | Exception) -> list[tuple[dict, str]]:
    sent = []

    def call_sync(command: dict, *, shard: str = "", **_) -> dict:
        sent.append((command, shard))
        if isinstance(reply, Exception):
            raise reply
        return reply

    monkeypatch.setattr(client, "call_sync", call_sync)
    return sent


def test_an_applied_change_is_the_market_at_its_next_version(monkeypatch) -> None:
    sent = answering(monkeypatch, {"events": [{"kind": "configured"}]})
    market = stored_market()

    changed = market_services.market_change_apply(market, tick_size=Decimal("0.05"))

    assert (changed.tick_size, changed.version, changed.matcher_error) == (Decimal("0.05"), 4, "")
    assert (market.tick_size, market.version) == (Decimal("0.01"), 3)  # the stored one as it was
    assert sent[0][0]["op"] == "market"
    assert (sent[0][0]["tick_size"], sent[0][0]["version"]) == ("0.05", 4)


@pytest.mark.parametrize("code", sorted(MARKET_REFUSALS))
def test_a_refused_change_is_worded_from_the_table(monkeypatch, code) -> None:
    answering(monkeypatch, {"events": [{"kind": "refused", "reason": code}]})

    with pytest.raises(MarketChangeRefused) as refused:
        market_services.market_change_apply(stored_market(), tick_size=Decimal("0.05"))

    field, text = MARKET_REFUSALS[code]
    assert (refused.value.field, refused.value.message) == (field, f"{text} (matcher: {code})")
    assert refused.value.reason == code


def test_a_refusal_the_table_does_not_word_is_the_generic_sentence(monkeypatch) -> None:
    answering(monkeypatch, {"events": [{"kind": "refused", "reason": "invalid_field"}]})

    with pytest.raises(MarketChangeRefused) as refused:
        market_services.market_change_apply(stored_market(), min_qty=Decimal("-1"))

    assert (refused.value.field, refused.value.message) == (
        None,
        "The matching engine refused the change (matcher: invalid_field)",
    )


def test_a_silent_matcher_is_a_refusal_that_changed_nothing(monkeypatch) -> None:
    answering(monkeypatch, client.MatcherUnavailable("the matcher did not answer in time"))

    with pytest.raises(MarketChangeRefused) as refused:
        market_services.market_change_apply(stored_market(), status="halted")

    assert (refused.value.field, refused.value.message) == (
        None,
        "The matching engine did not answer; nothing was changed.",
    )
