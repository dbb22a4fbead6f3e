"""What travels over the Channels layer between callers, the matcher and subscribers.

A request on the matcher's channel:
    {"type": "matcher.command", "command": {...}, "reply_to": channel or None,
     "deadline": epoch ms, "req": caller's tag}
The matcher answers on `reply_to`, only after the command is durable:
    {"type": "matcher.reply", "req", "status": "done"|"refused"|"unavailable",
     "seq", "events": [...]}
Events go to the groups below, also only after durability.
"""

from __future__ import annotations

import time

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


def user_group(user_id: int | str) -> str:
    return f"user.{user_id}"


def book_cache_key(symbol: str) -> str:
    """The cache key of a market's current L2 book (top levels, with its seq)."""
    return f"book:{symbol}"


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def request(command: dict, reply_to: str | None, deadline_ms: int, req: object = None) -> dict:
    return {
        "type": COMMAND,
        "command": command,
        "reply_to": reply_to,
        "deadline": deadline_ms,
        "req": req,
    }
