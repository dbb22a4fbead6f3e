"""The service side of a market's circuit breaker (API.md, "Market safety"): the engine's
MARKET_STATUS event as a dict, the group message the matcher publishes for it, the socket's
`market` message (once per connection), the persister's durable status behind
`/api/v1/symbols`, and the four settings on the `symbol` and `market` lines."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from exchange.consumers.messages import Subscription
from exchange.consumers.subscriptions import Subscriptions, groups_of
from exchange.models import Market, MarketStatus, MatcherState
from exchange.selectors.market_data import markets_list
from matching.engine import Engine
from matching.engine.events import MARKET_STATUS
from matching.service import config_sync
from matching.service.event_format import event_dict
from matching.service.matcher import _market_feed
from matching.service.persister import Item, moment, write_items

RESUMES_AT = 1_790_000_003_000  # engine ms
PAUSED = {"kind": "market_status", "symbol": "BTC-USDT", "status": "paused",
          "status_reason": "circuit_breaker", "resumes_at": RESUMES_AT}  # fmt: skip
TRADING = {**PAUSED, "status": "trading", "status_reason": None, "resumes_at": None}
BREAKER = {"breaker_move_pct": "2.5", "breaker_window_s": 60, "breaker_pause_s": 120,
           "breaker_auction_s": 30}  # fmt: skip


def test_the_event_is_a_dict_with_resumes_at_in_engine_ms() -> None:
    event = (MARKET_STATUS, "BTC-USDT", "paused", "circuit_breaker", RESUMES_AT)

    assert event_dict(Engine(), event) == PAUSED


def test_the_group_message_goes_to_the_market_group_with_resumes_at_as_iso_time() -> None:
    assert _market_feed(PAUSED) == (
        "market.BTC-USDT",
        {"type": "market.status", "symbol": "BTC-USDT", "status": "paused",
         "status_reason": "circuit_breaker", "resumes_at": "2026-09-21T14:13:23.000000Z"},
    )  # fmt: skip
    assert _market_feed(TRADING)[1]["resumes_at"] is None


class Layer:
    def __init__(self) -> None:
        self.groups: list[str] = []

    async def group_add(self, group: str, channel: str) -> None:
        self.groups.append(group)

    async def group_discard(self, group: str, channel: str) -> None:
        self.groups.remove(group)


class Outbox:
    def __init__(self) -> None:
        self.sent: list[dict] = []

    def put(self, message: dict) -> bool:
        self.sent.append(message)
        return True


def subscribed(*subscriptions: Subscription) -> tuple[Subscriptions, Layer, Outbox]:
    layer, outbox = Layer(), Outbox()
    held = Subscriptions(layer, "x", outbox, buffer_limit=10, on_book_given_up=lambda s: None)
    for subscription in subscriptions:
        held._streams[subscription] = None  # no stream started: only the routing is tested
        for group in groups_of(subscription, None):
            asyncio.run(held._join(group))
    return held, layer, outbox


@pytest.mark.parametrize("channel", ["book", "trades", "ticker"])
def test_book_trades_and_ticker_subscriptions_join_the_market_group(channel) -> None:
    _, layer, _ = subscribed(Subscription(channel, "BTC-USDT"))

    assert "market.BTC-USDT" in layer.groups


def test_a_connection_gets_one_market_message_however_many_channels_it_holds() -> None:
    held, layer, outbox = subscribed(
        Subscription("book", "BTC-USDT"), Subscription("ticker", "BTC-USDT")
    )

    held.on_market_status(_market_feed(PAUSED)[1])

    assert layer.groups.count("market.BTC-USDT") == 1  # joined once
    (message,) = outbox.sent
    assert {key: value for key, value in message.items() if key != "ts"} == {
        "type": "market", "channel": "market", "symbol": "BTC-USDT", "status": "paused",
        "status_reason": "circuit_breaker", "resumes_at": "2026-09-21T14:13:23.000000Z",
    }  # fmt: skip
    assert isinstance(message["ts"], int)


def test_another_market_s_status_or_a_candles_subscription_sends_nothing() -> None:
    held, _, outbox = subscribed(Subscription("candles", "BTC-USDT", "1m"))
    other, _, other_outbox = subscribed(Subscription("book", "ETH-USDT"))

    held.on_market_status(_market_feed(PAUSED)[1])
    other.on_market_status(_market_feed(PAUSED)[1])

    assert outbox.sent == other_outbox.sent == []


# ---- durable status (the persister) and /api/v1/symbols --------------------------------------


@pytest.fixture
def state(db, market) -> MatcherState:
    return MatcherState.objects.create(shard="", number=0)


def item(seq: int, *events: dict) -> Item:
    return Item(seq, RESUMES_AT - 3000, {"op": "tick"}, list(events))


def symbol_status(market_row: str = "BTC-USDT") -> tuple:
    (row,) = [row for row in markets_list() if row["symbol"] == market_row]
    return row["status"], row["status_reason"], row["resumes_at"]


def test_a_pause_is_written_and_shown_by_symbols_until_the_reopening(state) -> None:
    write_items(state.pk, [item(5, PAUSED)])
    paused = symbol_status()
    write_items(state.pk, [item(6, TRADING)])

    assert paused == ("paused", "circuit_breaker", "2026-09-21T14:13:23.000000Z")
    assert symbol_status() == ("trading", None, None)
    stored = MarketStatus.objects.get()
    assert (stored.status, stored.reason, stored.resumes_at, stored.seq) == ("trading", "", None, 6)


def test_the_latest_status_of_a_batch_wins_and_an_older_one_never_overwrites(state) -> None:
    write_items(state.pk, [item(5, PAUSED), item(6, TRADING), item(7, PAUSED)])
    write_items(state.pk, [item(6, TRADING)])  # written again after a crash: changes nothing

    stored = MarketStatus.objects.get()
    assert (stored.status, stored.resumes_at, stored.seq) == ("paused", moment(RESUMES_AT), 7)


def test_an_admin_halt_shows_as_halted_whatever_the_engine_said(state, market) -> None:
    write_items(state.pk, [item(5, PAUSED)])
    Market.objects.filter(pk=market.pk).update(status=Market.Status.HALTED)

    assert symbol_status() == ("halted", "admin", None)


# ---- configuration -----------------------------------------------------------------------------


def breaker_market() -> Market:
    market = Market.objects.create(
        base="BTC", quote="USDT", tick_size="0.01", lot_size="0.001", **BREAKER
    )
    market.refresh_from_db()  # decimals as the database gives them
    return market


def test_the_symbol_and_market_lines_carry_the_breaker(db) -> None:
    market = breaker_market()

    spec = market.engine_spec()
    change = config_sync.market_change(spec)

    assert {field: spec[field] for field in BREAKER} == BREAKER
    assert {field: change[field] for field in BREAKER} == BREAKER
    assert spec["status"] == change["status"] == "trading"  # a pause is never configuration


def test_the_engine_takes_the_lines_the_service_sends(db) -> None:
    market = breaker_market()
    engine = Engine()

    defined = engine.process({"op": "symbol", **market.engine_spec(), "ts": 1})
    market.breaker_move_pct, market.version = Decimal(0), 2
    changed = engine.process({**config_sync.market_change(market.engine_spec()), "ts": 2})

    assert [event[0] for event in defined + changed] == ["configured", "configured"]


def test_a_market_whose_auction_outlasts_its_pause_still_reaches_the_engine(db) -> None:
    """Saved past the admin's check (a shell, a data migration): the auction is sent cut to
    the pause, which the engine takes, instead of a line it refuses."""
    market = breaker_market()
    market.breaker_pause_s, market.breaker_auction_s = 3, 60

    spec = market.engine_spec()
    defined = Engine().process({"op": "symbol", **spec, "ts": 1})

    assert spec["breaker_auction_s"] == 3
    assert [event[0] for event in defined] == ["configured"]


def test_a_new_market_s_pause_refuses_orders_to_its_end(db) -> None:
    assert Market().breaker_auction_s == 0  # API.md: orders arriving meanwhile are refused
