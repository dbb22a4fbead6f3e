"""A client that stops reading while the market moves is told (`slow_consumer`, if it ever
reads that far) and disconnected once more messages wait for it than the queue allows;
meanwhile the matcher answers every order and a client that reads gets every update (its
book stays REST's). Daphne in front of the test's own real matcher, with a small queue and
send buffer."""

from __future__ import annotations

import pytest

from tests.ws.conftest import key_of
from tests.ws.stalled import StalledClient
from tests.ws.test_book_stream import rebuilt_equals_rest
from tests.ws.wsclient import rest_levels

pytestmark = [pytest.mark.django_db(transaction=True)]

QUEUE = 50
ROUNDS = 40
LEVELS = 20


def sweep(seller, buyer) -> list[dict]:
    """Sells on LEVELS price levels, then one buy that takes them all: many book changes
    and LEVELS trades. Returns every response."""
    sells = [
        seller.send_request(
            "order.place",
            symbol="BTC-USDT",
            side="sell",
            type="limit",
            price=f"{100 + level}.00",
            quantity="0.001",
        )
        for level in range(LEVELS)
    ]
    responses = [seller.response(req_id) for req_id in sells]
    responses.append(
        buyer.request(
            "order.place",
            symbol="BTC-USDT",
            side="buy",
            type="limit",
            price=f"{100 + LEVELS}.00",
            quantity=f"{LEVELS * 0.001:.3f}",
        )
    )
    return responses


def test_a_client_that_stops_reading_is_cut_off_and_slows_no_one(
    start_server, traders, connect
) -> None:
    server = start_server(
        EXCHANGE_WS_QUEUE_SIZE=QUEUE,
        EXCHANGE_WS_SEND_BUFFER_BYTES=8192,
    )
    assert_a_stalled_client_is_cut_off_and_slows_no_one(server, traders, connect)


def assert_a_stalled_client_is_cut_off_and_slows_no_one(server, traders, connect) -> None:
    """A client subscribed to the book and trades stops reading while two traders sweep the
    book: it is cut off and its connection ended, while a watcher that reads gets every
    trade and a book equal to REST's, and a client that subscribes again gets a snapshot
    (`server` started with EXCHANGE_WS_QUEUE_SIZE=QUEUE)."""
    stalled = StalledClient(server.port)
    for channel in ("book", "trades"):
        stalled.send({"op": "subscribe", "channel": channel, "symbol": "BTC-USDT"})
    watcher = connect(server.ws_url)
    watcher.subscribe("book", "BTC-USDT")
    watcher.subscribe("trades", "BTC-USDT")
    seller, buyer = connect(server.ws_url), connect(server.ws_url)
    seller.auth(key_of(traders[0]))
    buyer.auth(key_of(traders[1]))

    responses = [response for _ in range(ROUNDS) for response in sweep(seller, buyer)]
    data, ended = stalled.read_to_the_end()
    stalled.close()
    book, rest = rebuilt_equals_rest(watcher, server.http)
    trade_ids = set()
    while len(trade_ids) < ROUNDS * LEVELS:  # every trade, whatever the stalled client did
        trade_ids.add(watcher.of_type("trade")["trade_id"])
    again = connect(server.ws_url)
    again.subscribe("book", "BTC-USDT")

    assert {response["status"] for response in responses} == {201}
    assert ended, "the server kept the stalled connection open"
    assert f"more than {QUEUE} messages behind" in server.output()
    # the `slow_consumer` error is the last message before the close, but the client cannot
    # read it here: it is still stuck in buffers when the server drops the connection
    assert data.startswith(b"\x81")  # it did get messages before it stopped reading
    assert book.levels() == rest_levels(rest)
    assert again.of_type("snapshot", channel="book")["seq"] > 0
