"""POST /api/v1/orders against a real matcher: the 201 body is the order as the matcher left
it, with its fills; a rejection is the SPEC.md reason with the field at fault."""

from __future__ import annotations

import pytest

from exchange.models import Order
from tests.exchange.matcher_helpers import TRADER_FUNDS, fund, start_matcher, status, wait_for

pytestmark = [pytest.mark.django_db(transaction=True)]


def error_of(response) -> dict:
    return response.json()["error"]


def test_a_resting_limit_order_is_201_new_with_every_field(matcher, maker_client) -> None:
    response = maker_client.place(side="sell", price="100.5", quantity="0.25",
                                  client_order_id="my-1")  # fmt: skip

    assert response.status_code == 201
    body = response.json()
    assert {key: body[key] for key in (
        "client_order_id", "symbol", "side", "type", "status", "price", "quantity",
        "filled_quantity", "remaining_quantity", "avg_price", "time_in_force", "fills",
    )} == {
        "client_order_id": "my-1", "symbol": "BTC-USDT", "side": "sell", "type": "limit",
        "status": "new", "price": "100.50", "quantity": "0.250", "filled_quantity": "0.000",
        "remaining_quantity": "0.250", "avg_price": None, "time_in_force": "GTC", "fills": [],
    }  # fmt: skip
    assert isinstance(body["order_id"], int)
    assert body["created_at"].endswith("Z") and len(body["created_at"]) == 27


def test_a_crossing_order_is_201_with_its_fills_and_average_price(
    matcher, maker_client, taker_client
) -> None:
    maker_client.place(side="sell", price="100.00", quantity="0.1")
    maker_client.place(side="sell", price="101.00", quantity="0.1")

    response = taker_client.place(side="buy", price="101.00", quantity="0.15")

    body = response.json()
    assert response.status_code == 201
    assert (body["status"], body["filled_quantity"], body["remaining_quantity"]) == (
        "filled",
        "0.150",
        "0.000",
    )
    assert [(f["price"], f["quantity"], f["liquidity"], f["fee_asset"]) for f in body["fills"]] == [
        ("100.00", "0.100", "taker", "USDT"),
        ("101.00", "0.050", "taker", "USDT"),
    ]
    # taker fee 0.002 × price × quantity, at 8 places (the market's quote precision)
    assert [fill["fee"] for fill in body["fills"]] == ["0.02000000", "0.01010000"]
    assert body["avg_price"] == "100.3333333333"


def test_an_ioc_remainder_is_201_expired(matcher, maker_client, taker_client) -> None:
    maker_client.place(side="sell", price="100", quantity="0.1")

    response = taker_client.place(side="buy", price="100", quantity="0.3", time_in_force="IOC")

    body = response.json()
    assert (response.status_code, body["status"], body["filled_quantity"]) == (
        201,
        "expired",
        "0.100",
    )
    assert body["remaining_quantity"] == "0.200"


def test_a_stop_waiting_for_its_trigger_is_201_pending(matcher, maker_client) -> None:
    response = maker_client.place(
        type="stop_limit", side="sell", price="90", trigger_price="95", quantity="1"
    )

    assert (response.status_code, response.json()["status"]) == (201, "pending_trigger")
    assert response.json()["trigger_price"] == "95"


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"price": "100.001", "quantity": "1"}, "tick_size", "price"),
        ({"price": "100", "quantity": "1.0001"}, "lot_size", "quantity"),
        ({"price": "100", "quantity": "-1"}, "invalid_quantity", "quantity"),
        ({"price": "abc", "quantity": "1"}, "invalid_price", "price"),
        ({"price": "100", "quantity": "1", "time_in_force": "GTX"}, "invalid_tif", "time_in_force"),
        ({"price": "100", "quantity": "1", "stp_mode": "nope"}, "invalid_stp", "stp_mode"),
        ({"type": "market", "price": "100", "quantity": "1"}, "invalid_combination", None),
    ],
)
def test_a_rejected_order_is_a_400_with_the_reason_and_field(
    matcher, maker_client, fields, code, field
) -> None:
    response = maker_client.place(side="buy", **fields)

    assert response.status_code == 400
    assert (error_of(response)["code"], error_of(response)["field"]) == (code, field)


def test_a_trigger_price_off_the_tick_grid_names_trigger_price(matcher, maker_client) -> None:
    response = maker_client.place(
        type="stop_limit", side="sell", price="90", trigger_price="95.001", quantity="1"
    )

    assert (error_of(response)["code"], error_of(response)["field"]) == (
        "tick_size",
        "trigger_price",
    )


def test_a_post_only_order_that_would_take_is_rejected(matcher, maker_client, taker_client):
    maker_client.place(side="sell", price="100", quantity="1")

    response = taker_client.place(side="buy", price="100", quantity="1", post_only=True)

    assert (response.status_code, error_of(response)["code"]) == (400, "post_only_would_take")


def test_a_repeated_client_order_id_is_409_with_the_first_order_and_places_nothing(
    matcher, maker_client
) -> None:
    first = maker_client.place(side="buy", price="99", quantity="1", client_order_id="abc")

    again = maker_client.place(side="buy", price="98", quantity="2", client_order_id="abc")

    assert again.status_code == 409
    assert error_of(again)["code"] == "duplicate_client_order_id"
    assert error_of(again)["order_id"] == first.json()["order_id"]
    wait_for(lambda: Order.objects.filter(pk=first.json()["order_id"]).exists(), "persisted")
    assert Order.objects.filter(user=maker_client.user).count() == 1


def test_the_409_holds_before_the_first_order_reaches_the_database(matcher, maker_client) -> None:
    """The matcher itself keeps client order ids, so a quick retry cannot slip past the
    persister's lag."""
    first = maker_client.place(side="buy", price="99", quantity="1", client_order_id="fast")
    Order.objects.filter(pk=first.json()["order_id"]).delete()  # as if not yet persisted

    again = maker_client.place(side="buy", price="99", quantity="1", client_order_id="fast")

    assert (again.status_code, error_of(again)["order_id"]) == (409, first.json()["order_id"])


def test_a_client_order_id_of_a_rejected_order_can_be_used_again(matcher, maker_client) -> None:
    rejected = maker_client.place(side="buy", price="99.001", quantity="1", client_order_id="r")

    retried = maker_client.place(side="buy", price="99", quantity="1", client_order_id="r")

    assert (rejected.status_code, retried.status_code) == (400, 201)


def test_client_order_ids_are_per_user(matcher, maker_client, taker_client) -> None:
    mine = maker_client.place(side="buy", price="99", quantity="1", client_order_id="same")

    theirs = taker_client.place(side="buy", price="99", quantity="1", client_order_id="same")

    assert (mine.status_code, theirs.status_code) == (201, 201)


def test_symbols_are_case_insensitive(matcher, maker_client) -> None:
    response = maker_client.place(symbol="btc-usdt", side="buy", price="99", quantity="1")

    assert (response.status_code, response.json()["symbol"]) == (201, "BTC-USDT")


@pytest.fixture
def forgetful_matcher(tmp_path, market, traders):
    """A matcher that forgets client order ids a second after they are in the database."""
    process = start_matcher(
        tmp_path / "data", EXCHANGE_CLIENT_ID_HOLD_SECONDS=0, EXCHANGE_MATCHER_TIMEOUT_MS=500
    )
    wait_for(lambda: "BTC-USDT" in status()["markets"], "the market reaches the matcher")
    for trader in traders:
        fund(trader, TRADER_FUNDS)
    yield process
    process.stop()


def test_the_409_holds_after_the_matcher_has_forgotten_the_client_order_id(
    forgetful_matcher, maker_client
) -> None:
    """The matcher keeps client order ids only until the database has them (it would grow
    without end); the database then answers for them."""
    first = maker_client.place(side="buy", price="99", quantity="1", client_order_id="old")
    maker_client.delete(f"/api/v1/orders/{first.json()['order_id']}")  # ended, too
    wait_for(lambda: status()["client_order_ids_kept"] == 0, "the matcher forgets it", 30)

    again = maker_client.place(side="buy", price="98", quantity="2", client_order_id="old")

    assert (again.status_code, error_of(again)["code"]) == (409, "duplicate_client_order_id")
    assert error_of(again)["order_id"] == first.json()["order_id"]
    assert Order.objects.filter(user=maker_client.user).count() == 1
    other = maker_client.place(side="buy", price="98", quantity="2", client_order_id="new")
    assert other.status_code == 201
