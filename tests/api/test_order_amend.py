"""`PATCH /api/v1/orders/{order_id}` (API.md, "Order control"): a size-down keeps the order's
place, a new price or a larger size moves it to the back, a crossing price trades at once;
the answer is the order as it now stands, `"amended": true`; refusals change nothing and
carry their codes."""

from __future__ import annotations

import time

from exchange.models import OrderEvent


def path(order_id) -> str:
    return f"/api/v1/orders/{order_id}"


def test_a_size_down_keeps_the_place_and_answers_the_order(
    matcher, maker_client, taker_client, traders
) -> None:
    first = maker_client.place(side="sell", price="100", quantity="2").json()["order_id"]
    taker_client.place(side="sell", price="100", quantity="2")

    amended = maker_client.patch(path(first), {"quantity": "1.5"})
    bought = taker_client.place(side="buy", price="100", quantity="1").json()

    assert amended.status_code == 200, amended.json()
    body = amended.json()
    assert (body["order_id"], body["amended"], body["quantity"]) == (first, True, "1.500")
    assert body["remaining_quantity"] == "1.500"
    assert bought["status"] == "filled"
    # someone else's fill reaches the maker's REST reads within a second (API.md)
    deadline = time.monotonic() + 1
    while (seen := maker_client.get(path(first)).json())["filled_quantity"] == "0.000":
        if time.monotonic() > deadline:
            break
    assert seen["filled_quantity"] == "1.000"  # it kept its place ahead of the other
    assert OrderEvent.objects.filter(order_id=first, reason="amended").count() == 1


def test_a_crossing_new_price_trades_at_once(matcher, maker_client, taker_client) -> None:
    bid = taker_client.place(side="buy", price="99", quantity="1").json()["order_id"]
    ask = maker_client.place(side="sell", price="101", quantity="3").json()["order_id"]

    amended = maker_client.patch(path(ask), {"price": "99"}).json()

    assert (amended["status"], amended["filled_quantity"], amended["price"]) == (
        "partially_filled", "1.000", "99.00"
    )  # fmt: skip
    assert taker_client.get(path(bid)).json()["status"] == "filled"


def test_refusals_carry_their_codes_and_change_nothing(matcher, maker_client, taker_client):
    resting = maker_client.place(side="sell", price="100", quantity="2").json()["order_id"]
    cancelled = maker_client.place(side="sell", price="100", quantity="1").json()["order_id"]
    maker_client.delete(path(cancelled))
    cases = [
        (resting, {}, 400, "invalid_amend"),
        (resting, {"quantity": "2"}, 400, "invalid_amend"),
        (resting, {"price": "100.005"}, 400, "tick_size"),
        (resting, {"quantity": 1}, 400, "invalid_field"),
        (resting, {"colour": "red"}, 400, "invalid_field"),
        (resting, {"quantity": "900000000"}, 400, "insufficient_funds"),
        (cancelled, {"quantity": "0.5"}, 400, "order_not_open"),
        (999999, {"quantity": "0.5"}, 404, "order_not_found"),
    ]
    for order_id, body, status, code in cases:
        response = maker_client.patch(path(order_id), body)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), body
    assert taker_client.patch(path(resting), {"quantity": "1"}).status_code == 404

    order = maker_client.get(path(resting)).json()
    assert (order["quantity"], order["price"], order["status"]) == ("2.000", "100.00", "new")


def test_an_iceberg_s_display_is_amended(matcher, maker_client) -> None:
    order_id = maker_client.place(
        side="sell", price="100", quantity="5", display_quantity="2"
    ).json()["order_id"]

    amended = maker_client.patch(path(order_id), {"display_quantity": "1"}).json()

    assert amended["display_quantity"] == "1.000"
    assert maker_client.get(path(order_id)).json()["display_quantity"] == "1.000"
