"""Markets through the Django admin: every change of an existing market reaches the matcher
(a real process) before it is saved, and a refusal or silence saves nothing."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from exchange.models import Market, Order, OrderEvent
from matching.service import client as matcher_client
from tests.exchange.matcher_helpers import placed_order

pytestmark = [pytest.mark.django_db(transaction=True)]

NEW_MARKET = {"tick_size": "0.01", "lot_size": "0.001", "min_notional": "0",
              "quote_precision": "8", "status": "trading", "shard": "",
              "max_open_orders": "200", "price_band_pct": "0", "breaker_move_pct": "0",
              "breaker_window_s": "300", "breaker_pause_s": "300",
              "breaker_auction_s": "60"}  # fmt: skip
CHANGE_FIELDS = ("tick_size", "lot_size", "min_qty", "min_notional", "status", "shard",
                 "max_open_orders", "price_band_pct", "breaker_move_pct", "breaker_window_s",
                 "breaker_pause_s", "breaker_auction_s")  # fmt: skip


def change_url(market: Market) -> str:
    return f"/admin/exchange/market/{market.pk}/change/"


def form_data(market: Market, **changes: str) -> dict[str, str]:
    """The change form as the admin shows it for `market`, with `changes` typed in."""
    data = {name: getattr(market, name) for name in CHANGE_FIELDS}
    data = {name: "" if value is None else str(value) for name, value in data.items()}
    return {**data, **changes}


def place(user, price: str, side: str = "sell") -> dict:
    command = {"op": "new", "user": user.pk, "symbol": "BTC-USDT", "side": side,
               "type": "limit", "price": price, "quantity": "1"}  # fmt: skip
    return placed_order(matcher_client.call_sync(command))


def form_errors(response) -> dict:
    form = response.context["adminform"].form
    return {field: [str(error) for error in errors] for field, errors in form.errors.items()}


def test_halting_through_the_admin_action_halts_the_market_in_the_matcher(
    matcher, market, traders, admin_client
) -> None:
    response = admin_client.post(
        "/admin/exchange/market/", {"action": "halt", "_selected_action": [market.pk]}
    )

    assert response.status_code == 302
    market.refresh_from_db()
    assert (market.status, market.version) == ("halted", 2)
    assert place(traders[0], "100")["reason"] == "symbol_halted"


def test_resuming_through_the_admin_action_lets_orders_in_again(
    matcher, market, traders, admin_client
) -> None:
    admin_client.post(
        "/admin/exchange/market/", {"action": "halt", "_selected_action": [market.pk]}
    )
    admin_client.post(
        "/admin/exchange/market/", {"action": "resume", "_selected_action": [market.pk]}
    )

    market.refresh_from_db()
    assert (market.status, market.version) == ("trading", 3)
    assert place(traders[0], "100")["status"] == "new"


def test_halting_through_the_change_form_reaches_the_matcher(
    matcher, market, traders, admin_client
) -> None:
    response = admin_client.post(change_url(market), form_data(market, status="halted"))

    assert response.status_code == 302
    assert place(traders[0], "100")["reason"] == "symbol_halted"


def test_market_safety_settings_through_the_change_form_reach_the_matcher(
    matcher, market, traders, admin_client
) -> None:
    response = admin_client.post(
        change_url(market), form_data(market, max_open_orders="1", price_band_pct="10")
    )
    place(traders[0], "100", side="buy")
    place(traders[1], "100")  # a trade at 100: the band's reference

    assert response.status_code == 302
    assert place(traders[0], "111")["reason"] == "price_out_of_band"
    assert place(traders[0], "101")["status"] == "new"
    assert place(traders[0], "102")["reason"] == "too_many_orders"


def test_an_accepted_tick_change_is_saved_and_applied_by_the_matcher(
    matcher, market, traders, admin_client
) -> None:
    response = admin_client.post(change_url(market), form_data(market, tick_size="0.05"))

    assert response.status_code == 302
    market.refresh_from_db()
    assert (str(market.tick_size.normalize()), market.version) == ("0.05", 2)
    assert place(traders[0], "100.05")["status"] == "new"
    assert place(traders[0], "100.01")["reason"] == "tick_size"


def test_a_tick_change_that_would_strand_a_resting_order_shows_on_the_form_and_saves_nothing(
    matcher, market, traders, admin_client
) -> None:
    assert place(traders[0], "100.01")["status"] == "new"

    response = admin_client.post(change_url(market), form_data(market, tick_size="0.05"))

    assert response.status_code == 200
    assert "would_strand_orders" in " ".join(form_errors(response)["tick_size"])
    market.refresh_from_db()
    assert (str(market.tick_size.normalize()), market.version) == ("0.01", 1)
    assert place(traders[0], "100.02")["status"] == "new"  # the old grid is still in force


def test_a_silent_matcher_shows_did_not_answer_and_saves_nothing(
    market, admin_client, settings, monkeypatch
) -> None:
    settings.EXCHANGE_MATCHER_TIMEOUT_MS = 300
    monkeypatch.setattr(matcher_client, "REPLY_GRACE_MS", 100)  # no fsync to wait for
    # a shard no matcher runs: the unanswered command cannot linger for a later test's matcher
    shard = f"absent_{uuid.uuid4().hex[:8]}"
    Market.objects.filter(pk=market.pk).update(shard=shard)
    market.refresh_from_db()

    response = admin_client.post(change_url(market), form_data(market, tick_size="0.05"))

    assert response.status_code == 200
    assert "did not answer; nothing was changed" in response.content.decode()
    market.refresh_from_db()
    assert (str(market.tick_size.normalize()), market.version) == ("0.01", 1)


def test_moving_a_trading_market_to_another_shard_is_refused_on_the_shard_field(
    market, admin_client
) -> None:
    response = admin_client.post(change_url(market), form_data(market, shard="other"))

    assert response.status_code == 200
    assert "Halt the market" in " ".join(form_errors(response)["shard"])
    market.refresh_from_db()
    assert market.shard == ""


def test_a_new_market_with_the_same_base_and_quote_is_refused(admin_client) -> None:
    data = {**NEW_MARKET, "base": "BTC", "quote": "BTC"}

    response = admin_client.post("/admin/exchange/market/add/", data)

    assert response.status_code == 200
    assert not Market.objects.exists()


def test_a_new_market_is_saved_without_asking_the_matcher(admin_client) -> None:
    data = {**NEW_MARKET, "base": "ETH", "quote": "USDT"}

    response = admin_client.post("/admin/exchange/market/add/", data)

    assert response.status_code == 302
    assert Market.objects.get().symbol == "ETH-USDT"


@pytest.mark.parametrize("model", ["order", "trade", "matcherstate"])
def test_orders_trades_and_matcher_state_can_be_viewed_but_not_added(
    admin_client, model: str
) -> None:
    assert admin_client.get(f"/admin/exchange/{model}/").status_code == 200
    assert admin_client.get(f"/admin/exchange/{model}/add/").status_code == 403


def test_the_market_pages_render_with_base_and_quote_read_only(market, admin_client) -> None:
    assert admin_client.get("/admin/exchange/market/").status_code == 200
    response = admin_client.get(change_url(market))

    assert response.status_code == 200
    assert {"base", "quote"}.isdisjoint(response.context["adminform"].form.fields)


def test_an_order_page_shows_its_history_and_searches_by_text_or_id(
    market, traders, admin_client
) -> None:
    now = timezone.now()
    order = Order.objects.create(
        id=7, user=traders[0], market=market, side="sell", type="limit", time_in_force="GTC",
        price="100", quantity="1", stp_mode="none", status="new", filled_quantity="0",
        created_at=now, updated_at=now, last_seq=1,
    )  # fmt: skip
    OrderEvent.objects.create(
        order=order, seq=1, position=0, status="new", filled_quantity="0", at=now
    )

    page = admin_client.get(f"/admin/exchange/order/{order.pk}/change/")
    by_name = admin_client.get("/admin/exchange/order/", {"q": "maker"})
    by_id = admin_client.get("/admin/exchange/trade/", {"q": "7"})

    assert page.status_code == 200 and "Order events" in page.content.decode()
    assert list(by_name.context["cl"].result_list) == [order]
    assert by_id.status_code == 200
