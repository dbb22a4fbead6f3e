"""What keeps one client cheap (exchange/consumers/guards.py): unknown symbols cost no database
read each, a connection's non-order messages are rate limited, and a client address may hold
only so many sockets open."""

from __future__ import annotations

import pytest
from websockets.exceptions import InvalidHandshake

from exchange.consumers import guards
from exchange.consumers.guards import AddressCount, KnownMarkets, MessageRate


def test_two_thousand_unknown_symbols_read_the_market_list_once(monkeypatch) -> None:
    reads = []

    def load() -> frozenset[str]:
        reads.append(1)
        return frozenset({"BTC-USDT"})

    markets = KnownMarkets(load)
    found = 0
    for n in range(2000):
        if markets.stale():
            markets.refresh()
        found += f"NOPE{n}-USDT" in markets.symbols()

    assert found == 0 and len(reads) == 1
    assert "BTC-USDT" in markets.symbols()


def test_a_new_market_is_seen_once_the_list_is_old(monkeypatch) -> None:
    clock = [100.0]
    monkeypatch.setattr(guards.time, "monotonic", lambda: clock[0])
    listed = [frozenset({"BTC-USDT"})]
    markets = KnownMarkets(lambda: listed[0])
    markets.refresh()
    listed[0] = frozenset({"BTC-USDT", "SOL-USDT"})
    clock[0] += 1
    markets.refresh()
    assert "SOL-USDT" not in markets.symbols()
    clock[0] += guards.MARKETS_SECONDS
    markets.refresh()
    assert "SOL-USDT" in markets.symbols()


def test_the_message_rate_allows_a_burst_then_its_rate(monkeypatch) -> None:
    clock = [0.0]
    monkeypatch.setattr(guards.time, "monotonic", lambda: clock[0])
    rate = MessageRate(10)

    assert sum(rate.allow() for _ in range(50)) == 20  # the burst: twice the rate
    clock[0] += 0.5
    assert sum(rate.allow() for _ in range(50)) == 5


def test_sockets_per_address_are_capped_and_leaving_frees_a_place() -> None:
    count = AddressCount()

    assert all(count.enter("198.51.100.7", 3) for _ in range(3))
    assert not count.enter("198.51.100.7", 3)
    assert count.enter("198.51.100.8", 3)  # another address is not affected
    count.leave("198.51.100.7")
    assert count.enter("198.51.100.7", 3)


@pytest.mark.django_db(transaction=True)
def test_a_flood_of_subscribes_is_rate_limited_and_too_many_sockets_refused(
    start_server, connect, settings
) -> None:
    server = start_server(EXCHANGE_WS_MESSAGES_PER_SECOND=5, EXCHANGE_WS_MAX_PER_ADDRESS=2)
    client = connect(server.ws_url)
    for n in range(30):
        client.send({"op": "subscribe", "channel": "trades", "symbol": f"NOPE{n}-USDT"})
    codes = [client.of_type("error")["code"] for _ in range(30)]

    assert codes.count("rate_limited") >= 15 and set(codes) <= {"rate_limited", "unknown_symbol"}
    connect(server.ws_url)
    with pytest.raises(InvalidHandshake):  # the third socket from this address is refused
        connect(server.ws_url)
