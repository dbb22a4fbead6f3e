"""The private channels: a user's order changes and balance changes, from the matcher's
`user.<id>` group messages.

An order event carries the order's state (status, price, quantities) but not what it was
placed with (type, time in force, client_order_id, created_at...). The body sent is REST's
as far as that allows: the event merged over the recent-order cache entry the API writes when
it answers a place or cancel (`exchange.selectors.orders.recent_key`), and over what this
connection sent for the order before. Fills come from the trade events; `fills` and
`avg_price` are sent only when the fills known add up to `filled_quantity` (when they do not,
say for an order that filled before the subscription, REST has them).

Every event is checked to belong to the connection's user, whatever group it came by.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from decimal import Decimal

from django.core.cache import cache

from exchange.api.formatting import iso_from_ms
from exchange.api.order_output import average_price, fill_from_event
from exchange.selectors.orders import recent_key
from matching.service.protocol import now_ms

EVENT_FIELDS = (
    "symbol",
    "side",
    "status",
    "price",
    "quantity",
    "filled_quantity",
    "remaining_quantity",
    "reason",
)
TRACKED_ORDERS = 1000  # order bodies a connection remembers, least recently changed dropped


def balance_message(event: dict) -> dict:
    return {
        "type": "balance",
        "channel": "balances",
        "asset": event["asset"],
        "available": event["available"],
        "locked": event["locked"],
        "ts": now_ms(),
    }


def _fills_complete(fills: list[dict], filled_quantity: str) -> bool:
    return sum((Decimal(fill["quantity"]) for fill in fills), Decimal(0)) == Decimal(
        filled_quantity
    )


def _price_places(fills: list[dict]) -> int:
    return len(fills[0]["price"].partition(".")[2]) if fills else 0


class OrderTracker:
    """Turns one user's events into `order` and `balance` messages (module docstring)."""

    def __init__(self, user_id: int) -> None:
        self.user_id = user_id
        self._bodies: OrderedDict[int, dict] = OrderedDict()

    async def messages(self, events: list, *, orders: bool, balances: bool) -> list[dict]:
        """The messages for a `user.events` group message, in the events' order."""
        mine = [event for event in events if isinstance(event, dict) and self._is_mine(event)]
        recent = await self._recent_bodies(mine) if orders else {}
        messages = []
        for event in mine:
            kind = event.get("kind")
            if kind == "balance" and balances:
                messages.append(balance_message(event))
            elif kind == "trade" and orders:
                self._add_fills(event, recent)
            elif kind == "order" and orders:
                messages.append(self._order_message(event, recent))
        return messages

    def _is_mine(self, event: dict) -> bool:
        if event.get("kind") == "trade":
            return self.user_id in (event.get("maker_user"), event.get("taker_user"))
        return event.get("user") == self.user_id

    async def _recent_bodies(self, events: list[dict]) -> dict[int, dict]:
        """The recent-order cache entries of the orders in `events` that are this user's."""
        ids = {event["order_id"] for event in events if event.get("kind") == "order"}
        for event in events:
            if event.get("kind") == "trade":
                ids.update(self._my_order_ids(event))
        if not ids:
            return {}
        found = await asyncio.to_thread(cache.get_many, [recent_key(i) for i in ids])
        bodies = {}
        for order_id in ids:
            entry = found.get(recent_key(order_id))
            if isinstance(entry, dict) and entry.get("user") == self.user_id:
                bodies[order_id] = entry["body"]
        return bodies

    def _my_order_ids(self, trade: dict) -> list[int]:
        ids = []
        if trade.get("maker_user") == self.user_id:
            ids.append(trade["maker_order_id"])
        if trade.get("taker_user") == self.user_id:
            ids.append(trade["taker_order_id"])
        return ids

    def _body(self, order_id: int, recent: dict[int, dict]) -> dict:
        """What is known of the order: the cached REST body under this connection's own."""
        cached = recent.get(order_id) or {}
        tracked = self._bodies.get(order_id) or {}
        body = {**cached, **tracked, "order_id": order_id}
        fills = {fill["trade_id"]: fill for fill in cached.get("fills") or []}
        fills.update({fill["trade_id"]: fill for fill in tracked.get("fills") or []})
        body["fills"] = sorted(fills.values(), key=lambda fill: fill["trade_id"])
        return body

    def _keep(self, order_id: int, body: dict) -> None:
        self._bodies[order_id] = body
        self._bodies.move_to_end(order_id)
        while len(self._bodies) > TRACKED_ORDERS:
            self._bodies.popitem(last=False)

    def _add_fills(self, trade: dict, recent: dict[int, dict]) -> None:
        for order_id in self._my_order_ids(trade):
            body = self._body(order_id, recent)
            if all(fill["trade_id"] != trade["trade_id"] for fill in body["fills"]):
                body["fills"].append(fill_from_event(trade, order_id))
            self._keep(order_id, body)

    def _order_message(self, event: dict, recent: dict[int, dict]) -> dict:
        order_id = event["order_id"]
        body = self._body(order_id, recent)
        body.update({field: event.get(field) for field in EVENT_FIELDS})
        body["updated_at"] = iso_from_ms(now_ms())
        self._keep(order_id, body)
        sent = {key: value for key, value in body.items() if key not in ("fills", "avg_price")}
        fills = body["fills"]
        if _fills_complete(fills, event["filled_quantity"]):
            sent["fills"] = fills
            sent["avg_price"] = average_price(fills, _price_places(fills) + 8)
        return {"type": "order", "channel": "orders", "order": sent, "ts": now_ms()}
