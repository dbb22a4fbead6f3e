"""Crediting and debiting a user from the admin: the add form asks the matcher for a
transfer (created pending, an id generated when left blank) of an asset a market trades,
chosen from a list; a refused asset or amount is a form error; the page after it says the
matcher's outcome (done, refused and why, or still pending), once; a transfer once asked
for is not edited."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.models import Transfer
from exchange.models import Market


@pytest.fixture
def trader(db):
    return get_user_model().objects.create_user("trader")


@pytest.fixture
def no_matcher(db, market, settings):
    """No matcher runs: the form does not wait for an outcome that cannot come."""
    settings.EXCHANGE_ADMIN_TRANSFER_WAIT_MS = 0


def ask(browser: Client, trader, follow: bool = False, **fields: str):
    data = {"user": trader.pk, "kind": "credit", "asset": "USDT", "amount": "100.5"}
    return browser.post("/admin/accounts/transfer/add/", {**data, **fields}, follow=follow)


def shown_messages(response) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in response.context["messages"]]


def test_the_form_asks_for_user_kind_asset_amount_and_an_optional_id(
    admin_client, no_matcher
) -> None:
    page = admin_client.get("/admin/accounts/transfer/add/").content.decode()

    for field in ("user", "kind", "asset", "amount", "transfer_id"):
        assert f'name="{field}"' in page
    assert 'name="status"' not in page


def test_a_credit_is_recorded_pending_with_a_generated_id(admin_client, no_matcher, trader) -> None:
    response = ask(admin_client, trader)

    assert response.status_code == 302
    transfer = Transfer.objects.get()
    assert (transfer.user, transfer.kind, transfer.asset, str(transfer.amount.normalize())) == (
        trader,
        "credit",
        "USDT",
        "100.5",
    )
    assert transfer.status == Transfer.Status.PENDING
    assert len(transfer.transfer_id) == 32


def test_a_debit_keeps_the_id_given(admin_client, no_matcher, trader) -> None:
    response = ask(admin_client, trader, kind="debit", transfer_id="refund-42")

    assert response.status_code == 302  # recorded, and no error shown beside it
    assert Transfer.objects.get().transfer_id == "refund-42"


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"amount": "-3"}, "the amount must be positive"),
        ({"amount": "ten"}, "not a decimal amount"),
        ({"asset": "DOGE"}, "Select a valid choice. DOGE is not one of the available choices."),
        ({"asset": "usdt"}, "Select a valid choice."),
    ],
)
def test_a_refused_asset_or_amount_is_a_form_error(
    admin_client, no_matcher, trader, fields, error
) -> None:
    response = ask(admin_client, trader, **fields)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Transfer.objects.exists()


def test_an_id_already_used_is_refused(admin_client, no_matcher, trader) -> None:
    ask(admin_client, trader, transfer_id="t1")

    response = ask(admin_client, trader, transfer_id="t1", amount="5")

    assert "was asked for already" in response.content.decode()
    assert Transfer.objects.get().amount == 100.5


def test_the_page_s_own_id_makes_a_double_submit_one_transfer(
    admin_client, no_matcher, trader
) -> None:
    page = admin_client.get("/admin/accounts/transfer/add/").content.decode()
    shown_id = re.search(r'name="transfer_id" value="([0-9a-f]{32})"', page).group(1)
    other_page = admin_client.get("/admin/accounts/transfer/add/").content.decode()
    assert shown_id not in other_page  # each page its own

    first = ask(admin_client, trader, transfer_id=shown_id)
    again = ask(admin_client, trader, transfer_id=shown_id)  # the same form sent twice

    assert first.status_code == 302
    assert again.status_code == 200 and "was asked for already" in again.content.decode()
    assert list(Transfer.objects.values_list("transfer_id", flat=True)) == [shown_id]


def test_the_list_shows_status_and_reason(admin_client, no_matcher, trader) -> None:
    Transfer.objects.create(
        transfer_id="t9", kind="debit", user=trader, asset="BTC", amount=1,
        status=Transfer.Status.REFUSED, reason="insufficient_funds",
    )  # fmt: skip

    page = admin_client.get("/admin/accounts/transfer/").content.decode()

    assert "insufficient_funds" in page
    assert "Refused" in page


def test_a_transfer_cannot_be_edited_or_deleted(admin_client, no_matcher, trader) -> None:
    ask(admin_client, trader)
    transfer = Transfer.objects.get()

    admin_client.post(
        f"/admin/accounts/transfer/{transfer.pk}/change/",
        {"user": trader.pk, "kind": "debit", "asset": "BTC", "amount": "1"},
    )
    assert admin_client.get(f"/admin/accounts/transfer/{transfer.pk}/delete/").status_code == 403

    transfer.refresh_from_db()
    assert (transfer.kind, transfer.asset) == ("credit", "USDT")


def test_the_asset_is_chosen_from_those_the_markets_trade(admin_client, no_matcher) -> None:
    Market.objects.create(base="ETH", quote="USDT", tick_size="0.01", lot_size="0.001")

    page = admin_client.get("/admin/accounts/transfer/add/").content.decode()

    assert re.findall(r'<option value="([A-Z]+)"', page) == ["BTC", "ETH", "USDT"]


def test_without_a_matcher_the_page_says_the_transfer_is_pending_once(
    admin_client, no_matcher, trader
) -> None:
    response = ask(admin_client, trader, follow=True)

    assert shown_messages(response) == [
        (
            "warning",
            "Credit of 100.5 USDT for trader: asked for, but the matcher has not carried it "
            "out yet (is it running?). The list of transfers shows its status once it has "
            f"(transfer {Transfer.objects.get().transfer_id}).",
        )
    ]


def test_a_credit_the_matcher_carries_out_is_shown_done(admin_client, matcher, traders) -> None:
    maker = traders[0]
    response = ask(admin_client, maker, follow=True, transfer_id="t-done", amount="2.5")

    assert shown_messages(response) == [
        ("success", "Credit of 2.5 USDT for maker: done (transfer t-done).")
    ]
    assert Transfer.objects.get(transfer_id="t-done").status == Transfer.Status.DONE


def test_a_debit_beyond_the_balance_is_shown_refused_and_why(
    admin_client, matcher, traders
) -> None:
    maker = traders[0]
    response = ask(
        admin_client, maker, follow=True, kind="debit", amount="1000000000000", transfer_id="t-no"
    )

    assert shown_messages(response) == [
        (
            "error",
            "Debit of 1,000,000,000,000 USDT for maker: refused, the user's available balance "
            "is less than the amount (insufficient_funds). Nothing was moved (transfer t-no).",
        )
    ]
