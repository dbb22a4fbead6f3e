"""The /ws/v1 consumer (API.md, "WebSocket /ws/v1"): market data, the user's private channels
and order entry over one socket.

Nothing here waits on the client: every message goes through the connection's bounded Outbox.
Group messages are handled in place (a few dict operations, so the channel layer's queue for
this connection drains at once); anything slower (a snapshot, a database read, an order) runs
in a task of its own, so it holds up neither the connection's other messages nor the matcher.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, replace

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from exchange.api.errors import ApiError
from exchange.client_address import client_address
from exchange.models.market import canonical_symbol
from exchange.observability.web_metrics import WS_CONNECTIONS, WS_SLOW_CONSUMERS, order_handled
from matching.engine.domain import LIVE_STATUSES
from matching.service.protocol import now_ms

from .guards import KNOWN_MARKETS, OPEN_BY_ADDRESS, MessageRate
from .identity_watch import Watched, unwatch, watch
from .liveness import LIVENESS
from .messages import PRIVATE_CHANNELS, ClientError, Subscription, parse, req_id_of
from .messages import subscription_of as parse_subscription
from .outbox import Outbox
from .placed_orders import PlacedOrders, keep_running
from .private import OrderTracker
from .subscriptions import Subscriptions
from .trading import (
    ORDER_OPS,
    Identity,
    authenticate,
    client_of,
    order_request,
    session_identity,
)

log = logging.getLogger(__name__)

IDENTITY_ENDED_CLOSE_CODE = 4401  # the login the socket rested on has ended
# the web process was taken for dead (exchange/consumers/liveness.py): its orders are gone
TAKEN_FOR_DEAD_CLOSE_CODE = 4503
TOO_MANY_CONNECTIONS_CLOSE_CODE = 4429  # the client address has too many sockets open


@dataclass(frozen=True)
class Limits:
    """The EXCHANGE_WS_* settings, read when a connection opens."""

    heartbeat_seconds: float
    queue_size: int
    queue_bytes: int
    max_message_bytes: int
    max_subscriptions: int
    max_pending_requests: int
    send_buffer_bytes: int
    messages_per_second: int
    max_per_address: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            heartbeat_seconds=settings.EXCHANGE_WS_HEARTBEAT_MS / 1000,
            queue_size=settings.EXCHANGE_WS_QUEUE_SIZE,
            queue_bytes=settings.EXCHANGE_WS_QUEUE_BYTES,
            max_message_bytes=settings.EXCHANGE_WS_MAX_MESSAGE_BYTES,
            max_subscriptions=settings.EXCHANGE_WS_MAX_SUBSCRIPTIONS,
            max_pending_requests=settings.EXCHANGE_WS_MAX_PENDING_REQUESTS,
            send_buffer_bytes=settings.EXCHANGE_WS_SEND_BUFFER_BYTES,
            messages_per_second=settings.EXCHANGE_WS_MESSAGES_PER_SECOND,
            max_per_address=settings.EXCHANGE_WS_MAX_PER_ADDRESS,
        )


class ExchangeConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.limits = Limits.from_settings()
        self.address = client_address(self.scope)
        if not OPEN_BY_ADDRESS.enter(self.address, self.limits.max_per_address):
            self.address = None  # not counted
            await self.close(code=TOO_MANY_CONNECTIONS_CLOSE_CODE)
            return
        self.message_rate = MessageRate(self.limits.messages_per_second)
        self.outbox = Outbox(
            self.base_send,
            limit=self.limits.queue_size,
            limit_bytes=self.limits.queue_bytes,
            heartbeat_seconds=self.limits.heartbeat_seconds,
            on_cut_off=self._cut_off,
        )
        self.subscriptions = Subscriptions(
            self.channel_layer,
            self.channel_name,
            self.outbox,
            buffer_limit=self.limits.queue_size,
            on_book_given_up=self._book_given_up,
        )
        self.identity: Identity = session_identity(self.scope)
        self.client = client_of(self.scope)
        self.requests: set[asyncio.Task] = set()
        self.tracker: OrderTracker | None = None
        self.known_symbols: set[str] = set()
        self.cancel_on_disconnect = False
        self.placed = PlacedOrders()  # the orders placed through this socket (the newest)
        self.torn_down = False
        await self.accept()
        if self.identity.user_id is not None:
            watch(self._identity_ended, Watched(self.identity.user_id, None, self._session_key()))
        WS_CONNECTIONS.inc()
        self.outbox.watch_socket(self.base_send, self.limits.send_buffer_bytes)
        self.tasks = [
            asyncio.create_task(self.outbox.run()),
            asyncio.create_task(self.subscriptions.keep_groups()),
        ]
        for task in self.tasks:
            task.add_done_callback(_log_failure)

    async def disconnect(self, code: int) -> None:
        if getattr(self, "address", None) is not None:
            OPEN_BY_ADDRESS.leave(self.address)
            self.address = None
        if hasattr(self, "tasks"):
            WS_CONNECTIONS.dec()
            await self._tear_down()
            for task in self.tasks:
                task.cancel()

    async def dispatch(self, message: dict) -> None:
        """Channels' dispatch without its per-message `close_old_connections` (a hop to the
        one sync thread for every group message; database work here runs in
        database_sync_to_async, which does that itself), and ignoring rather than dying on
        a message type it has no handler for."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:  # a group message of a kind this version does not know
            log.warning("ws: no handler for a %r message", message.get("type"))
            return
        await handler(message)

    # ---- the client's messages ---------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.torn_down:
            return
        op = None
        try:
            message = parse(text_data, bytes_data, self.limits.max_message_bytes)
            op = message.get("op")
            await self._handle(op, message)
        except ClientError as problem:
            answer = problem.as_message()
            if isinstance(op, str) and len(op) <= 32:
                answer["op"] = op
            self.outbox.put(answer)
        except Exception:
            log.exception("ws: a client message failed")
            self.outbox.put(
                ClientError("internal_error", "An internal error occurred.").as_message()
            )

    async def _handle(self, op: object, message: dict) -> None:
        if op not in ORDER_OPS and not self.message_rate.allow():
            limit = self.limits.messages_per_second
            raise ClientError("rate_limited", f"At most {limit} messages a second besides orders.")
        if op == "ping":
            self.outbox.put({"type": "pong", "ts": now_ms()})
        elif op == "subscribe":
            await self._subscribe(parse_subscription(message))
        elif op == "unsubscribe":
            await self._unsubscribe(parse_subscription(message))
        elif op == "auth":
            await self._authenticate(message)
        elif op == "session":
            self._session_options(message)
        elif op in ORDER_OPS:
            self._order(op, message)
        elif op is None:
            raise ClientError("missing_field", "op is required.", field="op")
        else:
            raise ClientError(
                "unknown_op",
                "op is one of subscribe, unsubscribe, auth, session, ping, order.place, "
                "order.cancel, order.amend.",
                field="op",
            )

    async def _symbol(self, text: str) -> str:
        symbol = canonical_symbol(text)
        if symbol is not None and symbol not in self.known_symbols:
            if KNOWN_MARKETS.stale():  # a database read at most every MARKETS_SECONDS
                await database_sync_to_async(KNOWN_MARKETS.refresh, thread_sensitive=False)()
            if symbol in KNOWN_MARKETS.symbols():
                self.known_symbols.add(symbol)
        if symbol is None or symbol not in self.known_symbols:
            raise ClientError("unknown_symbol", f"No market {text!r}.", field="symbol")
        return symbol

    async def _subscribe(self, subscription: Subscription) -> None:
        user_id = self.identity.user_id
        if subscription.channel in PRIVATE_CHANNELS and user_id is None:
            raise ClientError(
                "unauthenticated", "Log in, or send a signed auth message, first.", field="channel"
            )
        if subscription.symbol is not None:
            subscription = replace(subscription, symbol=await self._symbol(subscription.symbol))
        ack = {"type": "subscribed", **subscription.describe(), "ts": now_ms()}
        if subscription in self.subscriptions:
            self.outbox.put(ack)
            self.subscriptions.restart(subscription)  # a book sends a fresh snapshot
            return
        if len(self.subscriptions) >= self.limits.max_subscriptions:
            raise ClientError(
                "too_many_subscriptions",
                f"A connection holds at most {self.limits.max_subscriptions} subscriptions.",
            )
        if subscription.channel in PRIVATE_CHANNELS and self.tracker is None:
            self.tracker = OrderTracker(user_id)
        self.outbox.put(ack)  # before the stream's first message (a book's snapshot)
        await self.subscriptions.add(subscription, user_id)

    async def _unsubscribe(self, subscription: Subscription) -> None:
        if subscription.symbol is not None:
            symbol = canonical_symbol(subscription.symbol)
            if symbol is None:
                raise ClientError("unknown_symbol", "No such market.", field="symbol")
            subscription = replace(subscription, symbol=symbol)
        await self.subscriptions.drop(subscription, self.identity.user_id)
        self.outbox.put({"type": "unsubscribed", **subscription.describe(), "ts": now_ms()})

    def _book_given_up(self, symbol: str) -> None:
        self.outbox.put(
            ClientError(
                "book_unavailable",
                "The book's snapshot did not line up with its updates; subscribe again.",
                channel="book",
                symbol=symbol,
            ).as_message()
        )
        subscription = Subscription("book", symbol)
        asyncio.ensure_future(self.subscriptions.drop(subscription, self.identity.user_id))

    async def _authenticate(self, message: dict) -> None:
        api_key = await authenticate(message)
        if self.identity.user_id not in (None, api_key.user_id):
            raise ClientError(
                "already_authenticated", "This connection is logged in as another user."
            )
        session_key = self._session_key() if self.identity.user_id is not None else None
        self.identity = Identity(user_id=api_key.user_id, api_key=api_key)
        watch(self._identity_ended, Watched(api_key.user_id, api_key.pk, session_key))
        permission = "trade" if api_key.can_trade else "read"
        if message.get("cancel_on_disconnect") is True:
            self._set_cancel_on_disconnect(True)
        self.outbox.put(
            {
                "type": "authenticated",
                "permission": permission,
                "cancel_on_disconnect": self.cancel_on_disconnect,
                "ts": now_ms(),
            }
        )

    def _session_options(self, message: dict) -> None:
        """`{"op": "session", "cancel_on_disconnect": true}`: a session-logged-in socket asks
        for its orders to be cancelled when it closes (an `auth` message may ask the same)."""
        if self.identity.user_id is None:
            raise ClientError("unauthenticated", "Log in, or send a signed auth message, first.")
        wanted = message.get("cancel_on_disconnect")
        if not isinstance(wanted, bool):
            raise ClientError(
                "invalid_field", "cancel_on_disconnect must be true or false.",
                field="cancel_on_disconnect",
            )  # fmt: skip
        self._set_cancel_on_disconnect(wanted)
        self.outbox.put({"type": "session", "cancel_on_disconnect": wanted, "ts": now_ms()})

    def _set_cancel_on_disconnect(self, wanted: bool) -> None:
        """Turns cancel on disconnect on or off, for the orders placed through the socket so
        far too: their records in the disconnect registry (liveness.py) follow."""
        if wanted == self.cancel_on_disconnect or self.torn_down:
            return
        self.cancel_on_disconnect = wanted
        if wanted:
            LIVENESS.join(self, self._taken_for_dead)
            if self.placed:
                keep_running(LIVENESS.record(user_id=self.identity.user_id,
                                             orders=self.placed.items()))  # fmt: skip
        else:
            keep_running(LIVENESS.leave(self, forget=self.placed.ids()))

    def _order(self, op: str, message: dict) -> None:
        """Answered from a task of its own: the matcher's reply takes a while, and the
        connection's other messages must not wait for it."""
        req_id = req_id_of(message)
        if len(self.requests) >= self.limits.max_pending_requests:
            limit = self.limits.max_pending_requests
            error = ApiError("rate_limited", f"At most {limit} requests in flight.", status=429)
            response = {"type": "response", "req_id": req_id, "status": 429, "body": error.body()}
            self.outbox.put({**response, "ts": now_ms()})
            return
        task = asyncio.create_task(self._answer(op, message, time.perf_counter()))
        self.requests.add(task)
        task.add_done_callback(self.requests.discard)

    async def _answer(self, op: str, message: dict, started: float) -> None:
        response = await order_request(op, message, self.identity, self.client)
        self.outbox.put({**response, "ts": now_ms()})
        kind = "place" if op == "order.place" else "cancel"
        order_handled("websocket", kind, time.perf_counter() - started)
        if op == "order.place" and response["status"] == 201:
            body = response["body"]
            forgotten = self.placed.remember(body["order_id"], body["symbol"])
            if self.cancel_on_disconnect:  # the registry follows, after the answer went out
                if body.get("status") in LIVE_STATUSES:  # not one that ended at once
                    await LIVENESS.record(
                        user_id=self.identity.user_id, orders=[(body["order_id"], body["symbol"])]
                    )
                if forgotten is not None:
                    await LIVENESS.forget([forgotten])

    def _session_key(self) -> str | None:
        session = self.scope.get("session")
        return None if session is None else session.session_key

    async def _identity_ended(self) -> None:
        """The key was revoked, the user deactivated or the session logged out
        (identity_watch.py): the client is told, then the connection is closed."""
        self.outbox.put(
            {
                "type": "error",
                "code": "identity_ended",
                "message": "This connection's login has ended (its API key was revoked, its "
                "user deactivated or stopped trading, or its session logged out); log in "
                "again.",
                "ts": now_ms(),
            }
        )
        await self._close_after_notice(IDENTITY_ENDED_CLOSE_CODE)

    async def _close_after_notice(self, code: int) -> None:
        for _ in range(20):  # the notice written first, if the client reads at all
            if not self.outbox.pending:
                break
            await asyncio.sleep(0.01)
        await self._tear_down()
        await self.close(code=code)

    async def _taken_for_dead(self) -> None:
        """This web process was taken for dead (liveness.py): the orders placed through the
        socket were cancelled under it, so the client is told and the socket closed."""
        self.outbox.put(
            {
                "type": "error",
                "code": "connection_reset",
                "message": "The server lost this connection's liveness for a while and its "
                "orders were cancelled on disconnect; connect again.",
                "ts": now_ms(),
            }
        )
        await self._close_after_notice(TAKEN_FOR_DEAD_CLOSE_CODE)

    def _cut_off(self) -> None:
        WS_SLOW_CONSUMERS.inc()
        asyncio.ensure_future(self._tear_down())

    # ---- the channel layer's messages --------------------------------------------------------

    async def book_update(self, message: dict) -> None:
        self.subscriptions.on_book_update(message)

    async def trades_executed(self, message: dict) -> None:
        self.subscriptions.on_trades(message)

    async def market_status(self, message: dict) -> None:
        self.subscriptions.on_market_status(message)

    async def user_events(self, message: dict) -> None:
        orders = Subscription("orders") in self.subscriptions
        balances = Subscription("balances") in self.subscriptions
        if self.tracker is None or not (orders or balances):
            return
        events = message.get("events") or []
        self.outbox.put_many(await self.tracker.messages(events, orders=orders, balances=balances))

    async def _tear_down(self) -> None:
        """Leaves every group and stops every task (on disconnect, or a slow client cut off)."""
        if self.torn_down:
            return
        self.torn_down = True
        in_flight = [task for task in self.requests if not task.done()]
        if self.cancel_on_disconnect:
            # an order sent just before the close may be placed after it: its answer is
            # awaited (not cancelled), so it is cancelled with the others
            keep_running(self._cancel_placed(in_flight))
        else:
            for task in in_flight:
                task.cancel()
        unwatch(self._identity_ended)
        self.outbox.close()
        await self.subscriptions.close()

    async def _cancel_placed(self, in_flight: list[asyncio.Task]) -> None:
        """Cancel on disconnect: the open orders placed through the socket, those whose
        answers were on their way when it closed included, are cancelled."""
        if in_flight:  # each waits for the matcher at most EXCHANGE_MATCHER_TIMEOUT_MS
            wait = settings.EXCHANGE_MATCHER_TIMEOUT_MS / 1000 + 1
            _, late = await asyncio.wait(in_flight, timeout=wait)
            for task in late:
                task.cancel()
        await LIVENESS.closed(self, user_id=self.identity.user_id, order_ids=self.placed.ids())


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("ws: a connection's task failed", exc_info=task.exception())
