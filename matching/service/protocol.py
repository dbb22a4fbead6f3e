"""What travels over the transport between callers, the matcher and subscribers.

Messages are plain dicts on the wire (msgpack on Redis); their shapes are the typed dicts
below, built only by `request` and `reply`:

- a `Request` on the matcher's channel carries one command (SPEC.md's JSON fields), the
  channel to answer on, and a deadline past which the matcher drops it unexecuted;
- the matcher answers with a `Reply` on `reply_to`, only after the command is durable: the
  seq of its journal record (None if nothing was journaled), the id it gave a `new` order,
  the time it stamped, and the events as dicts (matching/service/event_format.py), a
  refusal included;
- events go to the groups below, also only after durability.
"""

from __future__ import annotations

import time
from typing import TypedDict

COMMAND = "matcher.command"
REPLY = "matcher.reply"
DEFAULT_CHANNEL = "matching"


def matcher_channel(shard: str = "") -> str:
    """The channel of the matcher that runs `shard` ("" is the default matcher)."""
    return f"{DEFAULT_CHANNEL}.{shard}" if shard else DEFAULT_CHANNEL


def book_group(symbol: str) -> str:
    return f"book.{symbol}"


def trades_group(symbol: str) -> str:
    return f"trades.{symbol}"


def market_group(symbol: str) -> str:
    """The group told of a market's status changes (a circuit breaker's pause, a halt)."""
    return f"market.{symbol}"


def user_group(user_id: int | str) -> str:
    return f"user.{user_id}"


def book_cache_key(symbol: str) -> str:
    """The cache key of a market's current L2 book (top levels, with its seq)."""
    return f"book:{symbol}"


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class Request(TypedDict):
    type: str  # COMMAND
    command: dict
    reply_to: str | None
    deadline: int  # epoch ms
    req: object  # the caller's tag, given back in the reply


class Reply(TypedDict):
    type: str  # REPLY
    req: object
    seq: int | None
    order_id: int | None
    ts: int | None
    events: list[dict]


def request(command: dict, reply_to: str | None, deadline_ms: int, req: object = None) -> Request:
    return {
        "type": COMMAND,
        "command": command,
        "reply_to": reply_to,
        "deadline": deadline_ms,
        "req": req,
    }


def reply(req: object, results: list[tuple[int | None, dict, list[dict]]]) -> Reply:
    """The answer to one request, from the (seq, command as run, events) of each command it
    became (a `cancel_all` becomes several; a control request's seq is None)."""
    last_seq, last_command = (results[-1][0], results[-1][1]) if results else (None, {})
    return {
        "type": REPLY,
        "req": req,
        "seq": last_seq,
        "order_id": last_command.get("id"),  # the id given a `new` order
        "ts": last_command.get("ts"),
        "events": [event for _, _, events in results for event in events],
    }
