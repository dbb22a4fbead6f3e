"""A bad message gets an `error` with its code and the socket stays open: the next ping is
still answered. Against the embedded exchange (runexchange) with a real WebSocket client."""

from __future__ import annotations

import json
import time

import pytest

from tests.ws.conftest import MAX_SUBSCRIPTIONS
from tests.ws.wsclient import WsClient

BAD_MESSAGES = [
    ("not json", "invalid_json", None),
    ("[1, 2]", "invalid_json", None),
    ('"subscribe"', "invalid_json", None),
    ("{}", "missing_field", "op"),
    ({"op": "dance"}, "unknown_op", "op"),
    ({"op": "subscribe"}, "missing_field", "channel"),
    ({"op": "subscribe", "channel": "gossip", "symbol": "BTC-USDT"}, "unknown_channel", "channel"),
    ({"op": "subscribe", "channel": "book"}, "missing_field", "symbol"),
    ({"op": "subscribe", "channel": "book", "symbol": 7}, "invalid_field", "symbol"),
    ({"op": "subscribe", "channel": "book", "symbol": "DOGE-USDT"}, "unknown_symbol", "symbol"),
    ({"op": "subscribe", "channel": "book", "symbol": "not a symbol"}, "unknown_symbol", "symbol"),
    (
        {"op": "subscribe", "channel": "candles", "symbol": "BTC-USDT", "interval": "7m"},
        "invalid_interval",
        "interval",
    ),
    ({"op": "subscribe", "channel": "orders"}, "unauthenticated", "channel"),
    ({"op": "subscribe", "channel": "balances"}, "unauthenticated", "channel"),
    ({"op": "auth"}, "missing_credentials", None),
    ({"op": "auth", "key": "nope", "timestamp": 1, "signature": "00"}, "invalid_api_key", None),
    ({"op": "order.place", "symbol": "BTC-USDT"}, "missing_field", "req_id"),
    ({"op": "order.cancel", "req_id": [1]}, "invalid_field", "req_id"),
    ("x" * 20_000, "message_too_large", None),
]


@pytest.mark.parametrize(("message", "code", "field"), BAD_MESSAGES)
def test_a_bad_message_is_answered_with_an_error_and_the_socket_stays_open(
    embedded, connect, message, code, field
) -> None:
    client = connect(embedded.ws_url)
    client.send(message)

    error = client.of_type("error")
    client.send({"op": "ping"})

    assert (error["code"], error["field"]) == (code, field), error
    assert error["message"] and isinstance(error["ts"], int)
    assert client.of_type("pong")["ts"] > 0


def test_a_binary_frame_of_json_is_read_like_text(embedded, connect) -> None:
    client = connect(embedded.ws_url)
    client.send(json.dumps({"op": "ping"}).encode())

    assert client.of_type("pong")


def test_a_wrong_signature_or_an_old_timestamp_is_refused_with_the_rest_codes(
    embedded, connect
) -> None:
    client = connect(embedded.ws_url)
    key = embedded.keys["alice"]

    wrong = client.auth({"key": key["key"], "secret": "not the secret"})
    old = client.auth(key, timestamp=time.time_ns() // 1_000_000 - 60_000)
    refused = client.subscribe("orders")
    good = client.auth(key)
    accepted = client.subscribe("orders")

    assert (wrong["code"], old["code"]) == ("invalid_signature", "timestamp_out_of_window")
    assert refused["code"] == "unauthenticated"
    assert good["type"] == "authenticated"
    assert accepted == {**accepted, "type": "subscribed", "channel": "orders"}


def test_subscriptions_past_the_limit_are_refused_and_the_others_kept(embedded, connect) -> None:
    client = connect(embedded.ws_url)
    subscriptions = [("candles", "BTC-USDT", interval) for interval in ("1m", "5m", "1h", "1d")]
    subscriptions += [("trades", "BTC-USDT", None), ("trades", "ETH-USDT", None)]
    assert len(subscriptions) == MAX_SUBSCRIPTIONS

    answers = [
        client.subscribe(channel, symbol, **({"interval": interval} if interval else {}))
        for channel, symbol, interval in subscriptions
    ]
    again = client.subscribe("trades", "btc-usdt")  # one it holds: no new subscription
    refused = client.subscribe("book", "BTC-USDT")
    client.send({"op": "unsubscribe", "channel": "trades", "symbol": "ETH-USDT"})
    client.of_type("unsubscribed", channel="trades", symbol="ETH-USDT")
    then = client.subscribe("book", "BTC-USDT")

    assert {answer["type"] for answer in answers} == {"subscribed"}
    assert again == {**again, "type": "subscribed", "symbol": "BTC-USDT"}
    assert refused["code"] == "too_many_subscriptions"
    assert then["type"] == "subscribed"


def test_pages_of_other_sites_are_refused_and_programs_and_loopback_pages_let_in(
    embedded, connect
) -> None:
    with pytest.raises(Exception, match="403"):
        WsClient(embedded.ws_url, origin="http://evil.example")
    for origin in (None, f"http://localhost:{embedded.port}", "http://127.0.0.1", "http://[::1]"):
        client = connect(embedded.ws_url, origin=origin)
        client.send({"op": "ping"})
        assert client.of_type("pong")


def test_an_unknown_path_is_refused(embedded) -> None:
    with pytest.raises(Exception, match="403"):
        WsClient(embedded.ws_url.replace("/ws/v1", "/ws/v2"))
