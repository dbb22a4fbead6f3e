"""One connection's subscriptions: the stream behind each, the Channels groups they need
(joined once, however many subscriptions share a group), and which of them a group message
from the matcher concerns. A subscription to a market's book, trades or ticker also hears
of the market's status (`market` messages: a circuit breaker's pause, a halt), once however
many of the three it holds; the first of them for a market that is not trading is told its
status at once."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable

from django.db import Error as DatabaseError

from exchange.selectors.candles import INTERVALS_MS
from exchange.selectors.db_thread import db_read
from exchange.selectors.market_data import market_status_get
from matching.service.protocol import (
    book_group,
    market_group,
    now_ms,
    trades_group,
    user_group,
)

from .book import BookStream
from .market_feeds import MIN_INTERVAL_SECONDS, CandleStream, FeedStream, TickerStream
from .messages import Subscription
from .outbox import Outbox

log = logging.getLogger(__name__)

GROUP_REFRESH_SECONDS = 3600  # channels-redis forgets a group's members after a day
GENERATION_CHECK_SECONDS = 1.0  # a layer that restarted (lost the groups) is noticed this soon
# channels whose messages a restarted layer may have lost, with no snapshot to send again
GAP_CHANNELS = frozenset(("trades", "orders", "balances"))
# the channels whose subscribers hear of their market's status changes (API.md)
MARKET_STATUS_CHANNELS = ("book", "trades", "ticker")
GAP_MESSAGE = (
    "The message layer restarted: messages of this channel may have been missed. The "
    "subscription stays; read the current state over REST."
)


def groups_of(subscription: Subscription, user_id: int | None) -> list[str]:
    symbol = subscription.symbol or ""
    return {
        "book": [book_group(symbol), market_group(symbol)],
        "trades": [trades_group(symbol), market_group(symbol)],
        # best prices and last trade
        "ticker": [book_group(symbol), trades_group(symbol), market_group(symbol)],
        "candles": [trades_group(symbol)],
        "orders": [user_group(user_id)],
        "balances": [user_group(user_id)],
    }[subscription.channel]


def trade_message(trade: dict) -> dict:
    return {
        "type": "trade",
        "channel": "trades",
        "symbol": trade["symbol"],
        "trade_id": trade["trade_id"],
        "price": trade["price"],
        "quantity": trade["quantity"],
        "taker_side": trade["taker_side"],
        "ts": trade["ts"],
    }


def market_message(status: dict) -> dict:
    """A `market.status` group message as the socket's `market` message (API.md)."""
    return {
        "type": "market",
        "channel": "market",
        "symbol": status["symbol"],
        "status": status["status"],
        "status_reason": status["status_reason"],
        "resumes_at": status["resumes_at"],
        "ts": now_ms(),
    }


class Subscriptions:
    def __init__(
        self,
        layer,
        channel_name: str,
        outbox: Outbox,
        *,
        buffer_limit: int,
        on_book_given_up: Callable[[str], None],
    ) -> None:
        self._layer, self._channel_name, self._outbox = layer, channel_name, outbox
        self._buffer_limit = buffer_limit
        self._on_book_given_up = on_book_given_up
        self._streams: dict[Subscription, BookStream | FeedStream | None] = {}
        self._joined: Counter[str] = Counter()
        self._status_heard: set[str] = set()  # symbols a `market` message came for

    def __len__(self) -> int:
        return len(self._streams)

    def __contains__(self, subscription: Subscription) -> bool:
        return subscription in self._streams

    async def add(self, subscription: Subscription, user_id: int | None) -> None:
        """Joins the groups first, then starts the stream: a book's snapshot is read only
        once its updates are sure to arrive."""
        stream = self._new_stream(subscription)
        self._streams[subscription] = stream
        joined = []
        try:
            for group in groups_of(subscription, user_id):
                await self._join(group)
                joined.append(group)
        except BaseException:  # the layer is away: no half-made subscription stays
            del self._streams[subscription]
            for group in joined:
                await self._leave(group)
            raise
        if isinstance(stream, BookStream):
            stream.start(joined_at=time.monotonic())
        elif stream is not None:
            stream.start()
        symbol = subscription.symbol
        if (
            subscription.channel in MARKET_STATUS_CHANNELS
            and self._joined[market_group(symbol)] == 1
        ):
            await self._tell_status(symbol)

    async def _tell_status(self, symbol: str) -> None:
        """A market joined while it is halted or paused: its status now, unless a `market`
        message (newer than what the database holds) came meanwhile. With the database
        away the subscription stands without it: the next change comes as a message, and
        `/api/v1/symbols` answers 503 until the database is back."""
        self._status_heard.discard(symbol)
        try:
            status = await db_read(market_status_get, symbol)
        except DatabaseError as error:
            log.warning("ws: the status of %s is unknown (database: %r)", symbol, error)
            return
        if status is None or status["status"] == "trading" or symbol in self._status_heard:
            return
        self._outbox.put(market_message({"symbol": symbol, **status}))

    def restart(self, subscription: Subscription) -> None:
        """A subscribe for a subscription held: a book sends a fresh snapshot."""
        stream = self._streams.get(subscription)
        if isinstance(stream, BookStream):
            stream.start()

    async def drop(self, subscription: Subscription, user_id: int | None) -> None:
        if subscription not in self._streams:
            return
        stream = self._streams.pop(subscription)
        if stream is not None:
            stream.stop()
        for group in groups_of(subscription, user_id):
            await self._leave(group)

    async def close(self) -> None:
        """Stops every stream and leaves every group."""
        for stream in self._streams.values():
            if stream is not None:
                stream.stop()
        self._streams.clear()
        joined, self._joined = list(self._joined), Counter()
        for group in joined:
            await self._layer.group_discard(group, self._channel_name)

    async def keep_groups(self) -> None:
        """Joins the groups again now and then (a Redis layer drops members after a day),
        and as soon as the layer is back after a restart that lost them: then each book
        sends a fresh snapshot and each feed with nothing to send again a `gap` notice."""
        generation = await self._generation()
        refreshed = time.monotonic()
        while True:
            await asyncio.sleep(GENERATION_CHECK_SECONDS)
            current = await self._generation()
            if current is None:
                continue  # the layer is away: asked again in a second
            restarted = generation is not None and current != generation
            if restarted or time.monotonic() - refreshed >= GROUP_REFRESH_SECONDS:
                try:
                    for group in list(self._joined):
                        await self._layer.group_add(group, self._channel_name)
                except Exception:  # noqa: BLE001 - away again: the next turn retries
                    continue
                refreshed = time.monotonic()
            if restarted:
                self._after_gap()
            generation = current

    async def _generation(self) -> str | None:
        try:
            return await self._layer.generation()
        except Exception:  # noqa: BLE001 - the layer is away
            return None

    def _after_gap(self) -> None:
        """What each subscription needs after messages may have been lost."""
        notices = []
        for subscription, stream in self._streams.items():
            if isinstance(stream, BookStream):
                stream.start()
            elif subscription.channel in GAP_CHANNELS:
                notices.append({"type": "gap", **subscription.describe(), "ts": now_ms(),
                                "message": GAP_MESSAGE})  # fmt: skip
        if notices:
            self._outbox.put_many(notices)

    def _new_stream(self, subscription: Subscription) -> BookStream | FeedStream | None:
        if subscription.channel == "book":
            return BookStream(
                subscription.symbol or "",
                self._outbox,
                buffer_limit=self._buffer_limit,
                on_give_up=self._on_book_given_up,
            )
        if subscription.channel == "ticker":
            return TickerStream(subscription, self._outbox, min_interval=MIN_INTERVAL_SECONDS)
        if subscription.channel == "candles":
            return CandleStream(subscription, self._outbox, min_interval=MIN_INTERVAL_SECONDS)
        return None

    async def _join(self, group: str) -> None:
        if not self._joined[group]:
            await self._layer.group_add(group, self._channel_name)
        self._joined[group] += 1

    async def _leave(self, group: str) -> None:
        self._joined[group] -= 1
        if self._joined[group] <= 0:
            del self._joined[group]
            await self._layer.group_discard(group, self._channel_name)

    # ---- group messages: quick, no waiting -------------------------------------------------

    def on_book_update(self, message: dict) -> None:
        symbol = message.get("symbol")
        book = self._streams.get(Subscription("book", symbol))
        if isinstance(book, BookStream):
            book.on_update(message)
        ticker = self._streams.get(Subscription("ticker", symbol))
        if isinstance(ticker, FeedStream):
            ticker.touch(book_seq=message["seq"])

    def on_trades(self, message: dict) -> None:
        symbol, trades = message.get("symbol"), message.get("trades") or []
        if not trades:
            return
        if Subscription("trades", symbol) in self._streams:
            self._outbox.put_many([trade_message(trade) for trade in trades])
        last_id = max(trade["trade_id"] for trade in trades)
        last_ts = max(trade["ts"] for trade in trades)
        ticker = self._streams.get(Subscription("ticker", symbol))
        if isinstance(ticker, FeedStream):
            ticker.touch(trade_id=last_id)
        for interval in INTERVALS_MS:
            candles = self._streams.get(Subscription("candles", symbol, interval))
            if isinstance(candles, FeedStream):
                candles.touch(trade_id=last_id, trade_ts=last_ts)

    def on_market_status(self, message: dict) -> None:
        symbol = message.get("symbol")
        self._status_heard.add(symbol)
        streams = self._streams
        if any(Subscription(channel, symbol) in streams for channel in MARKET_STATUS_CHANNELS):
            self._outbox.put(market_message(message))
