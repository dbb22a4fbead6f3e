"""The WebSocket protocol's vocabulary (API.md, "WebSocket /ws/v1"): what a client may send,
how a bad message is told apart, and the shape of the server's messages.

Every problem with a client message is a `ClientError`, answered with
`{"type": "error", "code", "message", "field", "ts"}`; the connection stays open.
"""

from __future__ import annotations

from dataclasses import dataclass

from exchange import json_codec
from exchange.selectors.candles import INTERVALS_MS
from matching.service.protocol import now_ms

CHANNELS = ("book", "trades", "ticker", "candles", "orders", "balances")
PRIVATE_CHANNELS = frozenset(("orders", "balances"))
DEFAULT_INTERVAL = "1m"
MAX_REQ_ID = 64


class ClientError(Exception):
    """A client message the server cannot act on; the connection stays open."""

    def __init__(self, code: str, message: str, *, field: str | None = None, **extra) -> None:
        super().__init__(message)
        self.code, self.text, self.field, self.extra = code, message, field, extra

    def as_message(self) -> dict:
        return error(self.code, self.text, field=self.field, **self.extra)


@dataclass(frozen=True)
class Subscription:
    """What one subscribe names: the channel, the market (public channels) and, for
    candles, the interval. It is the key of the connection's subscriptions."""

    channel: str
    symbol: str | None = None
    interval: str | None = None

    def describe(self) -> dict:
        """The fields that name this subscription in server messages."""
        fields: dict = {"channel": self.channel}
        if self.symbol is not None:
            fields["symbol"] = self.symbol
        if self.interval is not None:
            fields["interval"] = self.interval
        return fields


def error(code: str, message: str, *, field: str | None = None, **extra) -> dict:
    return {
        "type": "error",
        "code": code,
        "message": message,
        "field": field,
        **extra,
        "ts": now_ms(),
    }


def parse(text_data: str | None, bytes_data: bytes | None, max_bytes: int) -> dict:
    """The client message as a dict; ClientError if it is too big, not JSON or not an object.
    Size is checked before parsing, so a huge frame costs no parsing time."""
    raw = text_data if text_data is not None else bytes_data
    if raw is None or len(raw) > max_bytes:
        raise ClientError("message_too_large", f"A message is at most {max_bytes} bytes.")
    try:
        message = json_codec.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ClientError("invalid_json", "The message is not valid JSON.") from None
    if not isinstance(message, dict):
        raise ClientError("invalid_json", "The message must be a JSON object.")
    return message


def text_field(message: dict, name: str, *, max_length: int = 64) -> str:
    """A required string field; ClientError `missing_field` or `invalid_field`."""
    if name not in message or message[name] is None:
        raise ClientError("missing_field", f"{name} is required.", field=name)
    value = message[name]
    if not isinstance(value, str) or not value or len(value) > max_length:
        raise ClientError(
            "invalid_field",
            f"{name} must be a string of 1 to {max_length} characters.",
            field=name,
        )
    return value


def req_id_of(message: dict) -> str | int:
    """The `req_id` an order request is answered with: a short string or an integer."""
    if "req_id" not in message or message["req_id"] is None:
        raise ClientError("missing_field", "req_id is required.", field="req_id")
    req_id = message["req_id"]
    if isinstance(req_id, bool) or not isinstance(req_id, (str, int)):
        raise ClientError("invalid_field", "req_id must be a string or an integer.", field="req_id")
    if (
        isinstance(req_id, str)
        and len(req_id) > MAX_REQ_ID
        or (isinstance(req_id, int) and abs(req_id) >= 2**63)
    ):
        raise ClientError("invalid_field", "req_id is too long.", field="req_id")
    return req_id


def subscription_of(message: dict) -> Subscription:
    """The subscription a subscribe/unsubscribe names, its symbol not yet looked up."""
    channel = text_field(message, "channel", max_length=16)
    if channel not in CHANNELS:
        raise ClientError(
            "unknown_channel",
            f"No channel {channel!r}; one of {', '.join(CHANNELS)}.",
            field="channel",
        )
    if channel in PRIVATE_CHANNELS:
        return Subscription(channel)
    symbol = text_field(message, "symbol", max_length=32)
    interval = None
    if channel == "candles":
        interval = message.get("interval", DEFAULT_INTERVAL)
        if not isinstance(interval, str) or interval not in INTERVALS_MS:
            raise ClientError("invalid_interval", "interval is 1m, 5m, 1h or 1d.", field="interval")
    return Subscription(channel, symbol, interval)
