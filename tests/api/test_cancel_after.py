"""The dead man's switch (API.md, "Order control"): `POST /api/v1/orders/cancel-after`
arms it; when no new call comes in time, the matcher's time cancels every open order of the
user, waiting stops included, reason `cancel_after`; 0 turns it off. The matcher fires a due
deadline by itself within 50 ms; the periodic tick (sent by hand here) is its backstop."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from exchange.models import OrderEvent
from matching.service import client

PATH = "/api/v1/orders/cancel-after"


def tick() -> None:
    """What the periodic expiry tick sends the matcher every second in production."""
    client.call_sync({"op": "tick"})


def open_ids(trader) -> list[int]:
    return sorted(o["order_id"] for o in trader.get("/api/v1/orders?status=open").json()["results"])


def test_the_switch_cancels_every_open_order_when_not_renewed(
    matcher, maker_client, taker_client
) -> None:
    ids = [maker_client.place(side="buy", price=f"9{n}", quantity="1").json()["order_id"]
           for n in range(2)]  # fmt: skip
    ids.append(
        maker_client.place(
            side="sell", type="stop_limit", price="80", trigger_price="85", quantity="1"
        ).json()["order_id"]
    )
    others = taker_client.place(side="buy", price="95", quantity="1").json()["order_id"]

    armed = maker_client.post(PATH, {"timeout_ms": 1000})
    tick()
    still = open_ids(maker_client)
    time.sleep(1.05)
    tick()

    assert armed.status_code == 200
    assert armed.json()["active"] is True and armed.json()["fires_at"].endswith("Z")
    assert still == sorted(ids)
    assert open_ids(maker_client) == []
    for order_id in ids:
        assert maker_client.get(f"/api/v1/orders/{order_id}").json()["status"] == "cancelled"
    reasons = set(
        OrderEvent.objects.filter(order_id__in=ids, status="cancelled").values_list(
            "reason", flat=True
        )
    )
    assert reasons == {"cancel_after"}
    assert open_ids(taker_client) == [others]


def test_the_switch_fires_by_itself_with_no_tick_sent(matcher, maker_client) -> None:
    placed = maker_client.place(side="buy", price="90", quantity="1").json()["order_id"]
    armed = maker_client.post(PATH, {"timeout_ms": 1000}).json()
    fires_at = datetime.fromisoformat(armed["fires_at"].replace("Z", "+00:00")).timestamp()

    deadline = time.monotonic() + 10
    while open_ids(maker_client) and time.monotonic() < deadline:
        time.sleep(0.02)
    fired = time.time()

    assert open_ids(maker_client) == []
    assert fired >= fires_at - 0.05  # not before its time (the clocks are one machine's)
    order = maker_client.get(f"/api/v1/orders/{placed}").json()
    assert order["status"] == "cancelled"


def test_renewing_moves_the_deadline_and_0_turns_it_off(matcher, maker_client) -> None:
    placed = maker_client.place(side="buy", price="90", quantity="1").json()["order_id"]
    maker_client.post(PATH, {"timeout_ms": 1000})
    time.sleep(0.6)
    maker_client.post(PATH, {"timeout_ms": 1000})
    time.sleep(0.6)
    tick()
    assert open_ids(maker_client) == [placed]  # 1.2 s after the first call: renewed

    off = maker_client.post(PATH, {"timeout_ms": 0})
    time.sleep(1.1)
    tick()

    assert off.json() == {"active": False, "fires_at": None}
    assert open_ids(maker_client) == [placed]


@pytest.mark.parametrize("body", [{"timeout_ms": 999}, {"timeout_ms": 600_001},
                                  {"timeout_ms": -1}])  # fmt: skip
def test_a_timeout_out_of_range_is_refused(matcher, maker_client, body) -> None:
    response = maker_client.post(PATH, body)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_timeout_ms"
    assert response.json()["error"]["field"] == "timeout_ms"
    assert "1000" in response.json()["error"]["message"]  # says what is valid


@pytest.mark.parametrize(
    "body, field",
    [({}, "timeout_ms"), ({"timeout_ms": "5000"}, "timeout_ms"),
     ({"timeout_ms": 1.5}, "timeout_ms"), ({"timeout_ms": True}, "timeout_ms"),
     ({"timeout_ms": None}, "timeout_ms"), ({"timeout_ms": 5000, "bogus": 1}, "bogus")],
)  # fmt: skip
def test_a_malformed_body_is_invalid_field(matcher, maker_client, body, field) -> None:
    """API.md's conventions: a wrong type or an unknown field is `invalid_field`."""
    response = maker_client.post(PATH, body)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_field"
    assert response.json()["error"]["field"] == field


def test_a_body_that_is_no_object_is_invalid_json(matcher, maker_client) -> None:
    response = maker_client.post(PATH, [])

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"


def test_it_needs_credentials(client) -> None:
    response = client.post(PATH, {"timeout_ms": 1000}, content_type="application/json")

    assert response.status_code == 401


def test_get_says_whether_the_switch_is_armed_and_when_it_fires(
    matcher, maker_client, taker_client
) -> None:
    before = maker_client.get(PATH)
    armed = maker_client.post(PATH, {"timeout_ms": 60_000}).json()
    state = maker_client.get(PATH)
    other = taker_client.get(PATH)
    maker_client.post(PATH, {"timeout_ms": 0})
    after = maker_client.get(PATH)

    assert before.status_code == 200
    assert before.json() == {"active": False, "fires_at": None}
    assert state.json()["active"] is True
    fires_at = state.json()["fires_at"]
    assert fires_at.endswith("Z")
    # the matcher's deadline: its clock when the call came + the timeout (within the
    # call's own time of the web process's estimate)
    assert abs(_ms(fires_at) - _ms(armed["fires_at"])) < 2_000
    assert other.json() == {"active": False, "fires_at": None}
    assert after.json() == {"active": False, "fires_at": None}


def test_get_after_the_switch_fired_says_it_is_off(matcher, maker_client) -> None:
    maker_client.post(PATH, {"timeout_ms": 1000})
    time.sleep(1.05)
    tick()

    assert maker_client.get(PATH).json() == {"active": False, "fires_at": None}


def _ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)
