"""The reopening call auction (matching/engine/auction.py): a paused market's crossed book
uncrosses at one price (largest matched volume, then least imbalance, then closest to the
last trade price, then the lower), in price-time priority, the later order of each meeting
the taker; icebergs take part with their whole quantity, self-trade prevention cancels the
later order, and funds settle. Every book below is collected in the last 30 s of a pause
that a trip at ts 3000 started, the last trade price staying 100.00."""

from __future__ import annotations

from matching.engine.events import MARKET_STATUS, TRADE

from .funds_helpers import FUNDS_ON, amount, credit
from .helpers import cancel, limit, run, symbol, tick

BREAKER = {
    "breaker_move_pct": "10",
    "breaker_window_s": 60,
    "breaker_pause_s": 120,
    "breaker_auction_s": 30,
}
AUCTION = 3_000 + 120_000 - 30_000  # when the auction starts taking orders
REOPEN = 3_000 + 120_000


def paused_at_100(*, funds: list[dict] = ()) -> list[dict]:
    """A trade at 100.00; then a buy up to 115.00 whose first trade would be at 111.00 (past
    110.00) pauses the market without trading; the ask it met is cancelled: an empty book."""
    return [
        symbol(**BREAKER),
        *funds,
        limit(1, "u1", "sell", "1.000", "100.00", ts=1_000),
        limit(2, "u2", "buy", "1.000", "100.00", ts=1_000),
        limit(3, "u1", "sell", "1.000", "111.00", ts=2_000),
        limit(4, "u2", "buy", "1.000", "115.00", ts=3_000),
        cancel(3, "u1", ts=4_000),
    ]


def auction(orders: list[dict], **kwargs) -> tuple:
    """Runs the pause, `orders` (placed in the auction window) and the reopening tick; returns
    the result and the reopening's trades as (price, quantity, maker, taker, taker_side)."""
    commands = [*paused_at_100(**kwargs), *({**o, "ts": AUCTION} for o in orders), tick(REOPEN)]
    r = run(commands, define_symbol=False)
    assert r.engine.market_status("BTC-USDT") == ("trading", None, None)
    trades = [
        (t.price, t.quantity, t.maker_order_id, t.taker_order_id, t.taker_side)
        for t in r.records(len(commands) - 1)
        if t.kind == TRADE
    ]
    return r, trades


def test_the_pause_set_up_trades_nothing_and_leaves_an_empty_book() -> None:
    r = run(paused_at_100(), define_symbol=False)
    assert r.engine.market_status("BTC-USDT")[0] == "paused"
    assert r.engine.markets["BTC-USDT"].last_price == 10_000
    assert r.book == []


def test_the_price_with_the_largest_matched_volume_is_chosen() -> None:
    """p=100: buy 8, sell 6 -> 6; p=101: 8 and 8 -> 8; p=102: 5 and 8 -> 5."""
    r, trades = auction(
        [
            limit(10, "u3", "buy", "5.000", "102.00"),
            limit(11, "u4", "buy", "3.000", "101.00"),
            limit(12, "u5", "sell", "6.000", "100.00"),
            limit(13, "u6", "sell", "2.000", "101.00"),
        ]
    )

    assert trades == [
        (10_100, 5_000, 10, 12, "sell"),
        (10_100, 1_000, 11, 12, "sell"),
        (10_100, 2_000, 11, 13, "sell"),
    ]
    assert r.book == []
    assert r.engine.markets["BTC-USDT"].last_price == 10_100


def test_least_imbalance_comes_before_closeness_to_the_reference() -> None:
    """p=102: buy 6, sell 4 (imbalance 2); p=103 the same; p=104: 4 and 4 (none). 102 is
    closer to 100.00, but 104 wins."""
    r, trades = auction(
        [
            limit(10, "u5", "sell", "4.000", "102.00"),
            limit(11, "u3", "buy", "4.000", "104.00"),
            limit(12, "u4", "buy", "2.000", "103.00"),
        ]
    )

    assert trades == [(10_400, 4_000, 10, 11, "buy")]
    assert r.book == ["BTC-USDT,buy,103.00,12,2.000,2.000"]


def test_closeness_to_the_last_price_breaks_a_tie_in_volume_and_imbalance() -> None:
    """p=110: 2 and 1; p=111 and p=112: 2 and 2. 111.00 is closer to 100.00."""
    _, trades = auction(
        [
            limit(10, "u3", "buy", "2.000", "112.00"),
            limit(11, "u5", "sell", "1.000", "110.00"),
            limit(12, "u6", "sell", "1.000", "111.00"),
        ]
    )

    assert trades == [(11_100, 1_000, 10, 11, "sell"), (11_100, 1_000, 10, 12, "sell")]


def test_of_two_prices_as_close_to_the_reference_the_lower_is_chosen() -> None:
    _, trades = auction(
        [limit(10, "u3", "buy", "2.000", "101.00"), limit(11, "u5", "sell", "2.000", "99.00")]
    )

    assert trades == [(9_900, 2_000, 10, 11, "sell")]


def test_an_iceberg_takes_part_with_its_hidden_quantity() -> None:
    r, trades = auction(
        [
            limit(10, "u3", "buy", "3.000", "101.00", display_quantity="1.000"),
            limit(11, "u5", "sell", "3.000", "100.00"),
        ]
    )

    assert trades == [(10_000, 3_000, 10, 11, "sell")]
    assert r.status(10) == "filled,3.000,"


def test_an_iceberg_partly_filled_shows_a_new_slice() -> None:
    r, trades = auction(
        [
            limit(10, "u3", "buy", "3.000", "101.00", display_quantity="1.000"),
            limit(11, "u5", "sell", "1.500", "100.00"),
        ]
    )

    assert trades == [(10_000, 1_500, 10, 11, "sell")]
    level = r.engine.markets["BTC-USDT"].book.bids.best
    assert (level.price, level.volume, level.head.remaining) == (10_100, 1_000, 1_500)


def test_orders_of_one_user_do_not_trade_the_later_is_cancelled() -> None:
    r, trades = auction(
        [
            limit(10, "u3", "buy", "1.000", "101.00"),
            limit(11, "u3", "sell", "1.000", "100.00"),
            limit(12, "u5", "sell", "1.000", "100.50"),
        ]
    )

    assert r.status(11) == "cancelled,0.000,"
    assert trades == [(10_050, 1_000, 10, 12, "sell")]


def test_with_stp_none_the_user_s_orders_trade_with_each_other() -> None:
    _, trades = auction(
        [
            limit(10, "u3", "buy", "1.000", "101.00"),
            limit(11, "u3", "sell", "1.000", "100.00", stp="none"),
        ]
    )

    assert trades == [(10_000, 1_000, 10, 11, "sell")]


def test_a_book_that_does_not_cross_reopens_without_trades() -> None:
    r, trades = auction(
        [limit(10, "u3", "buy", "1.000", "99.00"), limit(11, "u5", "sell", "1.000", "101.00")]
    )

    assert trades == []
    assert len(r.book) == 2
    reopening = r.records(len(r.events) - 1)
    assert [e.kind for e in reopening] == [MARKET_STATUS]


def test_with_funds_the_auction_settles_at_its_price_and_releases_the_rest() -> None:
    """Both pay the maker rate (0.1 % by default), so the taker (the sell, placed later) pays
    0.10 USDT, not the taker rate's 0.20; the buyer held 102.00 plus its fee bound, pays
    100.00 + 0.10 and gets the rest back."""
    funds = [
        FUNDS_ON,
        credit("t1", "u1", "BTC", "10"),
        credit("t2", "u2", "USDT", "1000"),
        credit("t3", "u3", "USDT", "1000"),
        credit("t4", "u5", "BTC", "10"),
    ]
    r, trades = auction(
        [limit(10, "u3", "buy", "1.000", "102.00"), limit(11, "u5", "sell", "1.000", "100.00")],
        funds=funds,
    )

    assert trades == [(10_000, 1_000, 10, 11, "sell")]
    balances = r.engine.balances_of("u3")
    assert balances["USDT"] == (amount("899.9"), 0)
    assert balances["BTC"] == (10**18, 0)
    assert r.engine.balances_of("u5")["USDT"] == (amount("99.9"), 0)
