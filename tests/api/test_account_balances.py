"""Balances through the API: deposits and withdrawals by `manage.py credit/debit` (taken in
by the running matcher), holds of open orders, releases, and settlement of a trade."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from accounts.models import Balance, LedgerEntry
from exchange.models import MatcherState
from tests.api.clients import SignedClient
from tests.exchange.matcher_helpers import fund, status, wait_for

pytestmark = [pytest.mark.django_db(transaction=True)]


def persisted() -> None:
    last = status()["last_seq"]
    wait_for(lambda: MatcherState.objects.get(shard="").persisted_seq >= last, "persisted")


def balances(client: SignedClient) -> dict[str, tuple[Decimal, Decimal]]:
    persisted()
    response = client.get("/api/v1/account/balances")
    assert response.status_code == 200
    return {
        row["asset"]: (Decimal(row["available"]), Decimal(row["locked"])) for row in response.json()
    }


@pytest.fixture
def carol(matcher):
    user = get_user_model().objects.create_user("carol")
    return SignedClient.for_user(user)


def transfer(kind: str, *args: str) -> dict:
    out = io.StringIO()
    call_command(kind, *args, stdout=out)
    return json.loads(out.getvalue())


def test_a_credit_from_the_command_line_reaches_the_matcher_and_the_api(carol) -> None:
    printed = transfer("credit", "carol", "usdt", "250.5")

    assert (printed["status"], printed["asset"], printed["amount"]) == ("done", "USDT", "250.5")
    assert balances(carol) == {"USDT": (Decimal("250.5"), 0)}
    entry = LedgerEntry.objects.get(transfer_id=printed["transfer_id"])
    assert (entry.from_account, entry.to_account, entry.reason) == (
        "@external",
        str(carol.user.pk),
        "deposit",
    )


def test_a_debit_beyond_what_is_available_is_refused_and_changes_nothing(carol) -> None:
    transfer("credit", "carol", "USDT", "10")

    with pytest.raises(CommandError, match="insufficient_funds"):
        transfer("debit", "carol", "USDT", "10.01")

    assert balances(carol) == {"USDT": (Decimal(10), 0)}


def test_a_repeated_transfer_id_changes_nothing(carol) -> None:
    first = transfer("credit", "carol", "USDT", "5", "--transfer-id", "dep-1")
    again = transfer("credit", "carol", "USDT", "5", "--transfer-id", "dep-1")

    assert (first["status"], again["status"]) == ("done", "done")
    assert balances(carol) == {"USDT": (Decimal(5), 0)}


def test_a_limit_buy_holds_price_quantity_and_fee_and_cancel_releases_it(carol) -> None:
    fund(carol.user, {"USDT": "1000"})

    placed = carol.place(side="buy", price="100", quantity="1").json()
    # held: 100 × 1 × (1 + 0.002), the larger of the default maker and taker rates
    assert balances(carol) == {"USDT": (Decimal("899.8"), Decimal("100.2"))}

    carol.delete(f"/api/v1/orders/{placed['order_id']}")
    assert balances(carol) == {"USDT": (Decimal(1000), 0)}


def test_an_order_beyond_the_funds_is_rejected_insufficient_funds(carol) -> None:
    fund(carol.user, {"USDT": "100"})

    response = carol.place(side="buy", price="100", quantity="1")

    assert response.status_code == 400
    assert (response.json()["error"]["code"], response.json()["error"]["field"]) == (
        "insufficient_funds",
        "quantity",
    )
    assert balances(carol) == {"USDT": (Decimal(100), 0)}


def test_a_trade_settles_both_sides_and_pays_the_fee_account(matcher) -> None:
    users = get_user_model().objects
    seller = SignedClient.for_user(users.create_user("seller"))
    buyer = SignedClient.for_user(users.create_user("buyer"))
    fund(seller.user, {"BTC": "2"})
    fund(buyer.user, {"USDT": "1000"})

    seller.place(side="sell", price="100", quantity="1")
    buyer.place(side="buy", price="100", quantity="1")

    assert balances(seller) == {"BTC": (Decimal(1), 0), "USDT": (Decimal("99.9"), 0)}
    assert balances(buyer) == {"BTC": (Decimal(1), 0), "USDT": (Decimal("899.8"), 0)}
    fees = Balance.objects.get(account="@fees", asset="USDT")
    assert (fees.available, fees.locked) == (Decimal("0.3"), 0)


def test_balances_need_credentials(client) -> None:
    assert client.get("/api/v1/account/balances").status_code == 401
