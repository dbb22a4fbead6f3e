"""A connection that was sent nothing for a while gets a heartbeat (10 s by default; the
embedded test exchange runs with 1 s)."""

from __future__ import annotations


def test_an_idle_connection_gets_heartbeats(embedded, connect) -> None:
    client = connect(embedded.ws_url)

    first = client.next(heartbeats=True)
    client.send({"op": "ping"})
    client.of_type("pong")
    second = client.next(lambda m: m["type"] == "heartbeat", heartbeats=True)

    assert first["type"] == "heartbeat" and isinstance(first["ts"], int)
    assert second["ts"] > first["ts"]
