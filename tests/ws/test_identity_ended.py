"""A socket whose login has ended is told so and closed within a second or two, in whichever
web process it is open (exchange/consumers/identity_watch.py): its API key revoked, its user
deactivated or stopped trading, its session logged out. Daphne in front of the test's own
real matcher (tests/ws/conftest.py `start_server`); the changes are made in the database, as
the admin makes them."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from websockets.exceptions import ConnectionClosed

from accounts.api_keys import api_key_revoke
from accounts.models import ApiKey
from exchange.models import TradingStop
from tests.ws.conftest import key_of

pytestmark = [pytest.mark.django_db(transaction=True)]

CLOSE_CODE = 4401


def ended_and_closed(client, within: float = 5.0) -> tuple[dict, int, float]:
    """The `identity_ended` error, the close code, and how long after `started` it came."""
    started = time.monotonic()
    notice = client.of_type("error", timeout=within, code="identity_ended")
    with pytest.raises(ConnectionClosed) as closed:
        client.ws.recv(timeout=within)
    return notice, closed.value.rcvd.code, time.monotonic() - started


def test_a_revoked_key_s_socket_is_closed_and_others_stay(start_server, traders, connect):
    server = start_server()
    maker, taker = traders
    revoked_key, kept_key = key_of(maker), key_of(taker)
    doomed, kept = connect(server.ws_url), connect(server.ws_url)
    doomed.auth(revoked_key)
    kept.auth(kept_key)

    api_key_revoke(api_key=ApiKey.objects.get(key=revoked_key["key"]))
    notice, code, _ = ended_and_closed(doomed)

    assert "revoked" in notice["message"] and code == CLOSE_CODE
    kept.send({"op": "ping"})
    assert kept.of_type("pong")["type"] == "pong"  # another key's socket stays open
    # a new socket: refused, or (another process's key cache holds a key up to 5 s) closed
    again = connect(server.ws_url)
    if again.auth(revoked_key)["type"] == "authenticated":
        assert ended_and_closed(again)[1] == CLOSE_CODE


def test_a_deactivated_user_s_socket_is_closed(start_server, traders, connect) -> None:
    server = start_server()
    maker, _ = traders
    client = connect(server.ws_url)
    client.auth(key_of(maker))

    maker.is_active = False
    maker.save(update_fields=["is_active"])
    _, code, _ = ended_and_closed(client)

    assert code == CLOSE_CODE


def test_a_stopped_user_s_socket_is_closed(start_server, traders, connect) -> None:
    server = start_server()
    maker, _ = traders
    client = connect(server.ws_url)
    client.auth(key_of(maker))

    TradingStop.objects.create(user=maker, reason="kill switch")
    notice, code, _ = ended_and_closed(client)

    assert "stopped trading" in notice["message"] and code == CLOSE_CODE


def test_a_logged_out_session_s_socket_is_closed(start_server, traders, connect) -> None:
    server = start_server()
    maker, _ = traders
    browser = Client()
    browser.force_login(maker)
    cookie = f"sessionid={browser.cookies['sessionid'].value}"
    client = connect(server.ws_url, additional_headers={"Cookie": cookie})
    assert client.subscribe("orders")["type"] == "subscribed"  # logged in by its session

    browser.logout()
    _, code, _ = ended_and_closed(client)

    assert code == CLOSE_CODE
