"""`audit_verify` replays each matcher shard's journal up to its persisted seq and compares
the trades, ledger entries and orders it produces with the database: real orders through a
running matcher agree, an edited or deleted row is named. A pruned journal is checked from
the snapshot it follows, or whole with the archive."""

from __future__ import annotations

import shutil

import pytest

from accounts.models import LedgerEntry
from exchange.models import Order, Trade
from matching.service import client as matcher_client
from tests.audit.conftest import audit_verify, audit_verify_report
from tests.exchange.matcher_helpers import persisted_seq, placed_order, start_matcher, wait_for

pytestmark = [pytest.mark.django_db(transaction=True)]


def place(user, side: str, price: str, quantity: str = "1") -> dict:
    command = {"op": "new", "user": user.pk, "symbol": "BTC-USDT", "side": side,
               "type": "limit", "price": price, "quantity": quantity}  # fmt: skip
    reply = matcher_client.call_sync(command)
    wait_for(lambda: persisted_seq() >= reply["seq"], "the order reaches the database")
    return placed_order(reply)


@pytest.fixture
def trading(matcher, traders) -> list[Trade]:
    """Two trades, a resting remainder and a cancelled order, all in the database."""
    maker, taker = traders
    place(maker, "sell", "100", "2")
    place(maker, "sell", "101", "1")
    place(taker, "buy", "101", "2.5")
    resting = place(maker, "sell", "105")
    reply = matcher_client.call_sync({"op": "cancel", "user": maker.pk,
                                      "id": resting["order_id"]})  # fmt: skip
    wait_for(lambda: persisted_seq() >= reply["seq"], "the cancel reaches the database")
    assert Order.objects.get(id=resting["order_id"]).status == "cancelled"
    trades = list(Trade.objects.order_by("id"))
    assert len(trades) == 2
    return trades


def test_the_journal_of_real_orders_agrees_with_the_database(trading, tmp_path) -> None:
    status, out, notes = audit_verify_report("--data-dir", str(tmp_path / "data"))

    assert (status, out) == (0, "ok\n")
    assert "agree (2 trades, 4 orders," in notes


def test_an_edited_trade_price_is_named(trading, tmp_path) -> None:
    Trade.objects.filter(id=trading[1].id).update(price="99")

    status, out = audit_verify("--data-dir", str(tmp_path / "data"))

    assert status == 1
    assert f"trade {trading[1].id}" in out and "price 101" in out and "99" in out


def test_a_deleted_trade_is_named(trading, tmp_path) -> None:
    LedgerEntry.objects.filter(trade_id=trading[0].id).delete()
    Trade.objects.filter(id=trading[0].id).delete()

    status, out = audit_verify("--data-dir", str(tmp_path / "data"))

    assert status == 1
    assert f"trade {trading[0].id} (seq {trading[0].seq}) is in the journal but not in the" in out


def test_an_edited_order_status_is_named(trading, tmp_path) -> None:
    cancelled = Order.objects.get(status="cancelled")
    Order.objects.filter(id=cancelled.id).update(status="new")

    status, out = audit_verify("--data-dir", str(tmp_path / "data"))

    assert status == 1
    assert f"order {cancelled.id}: status cancelled in the journal, new in the database" in out


def test_an_edited_ledger_amount_is_named(trading, tmp_path) -> None:
    entry = LedgerEntry.objects.filter(reason="trade").order_by("seq", "position").first()
    LedgerEntry.objects.filter(pk=entry.pk).update(amount="12345")

    status, out = audit_verify("--data-dir", str(tmp_path / "data"))

    assert status == 1
    assert f"ledger entry {entry.seq}.{entry.position}: amount" in out


def test_a_missing_journal_is_reported(trading, tmp_path) -> None:
    status, out = audit_verify("--data-dir", str(tmp_path / "elsewhere"))

    assert status == 1
    assert "no journal in" in out


def test_a_pruned_journal_is_checked_from_its_snapshot_or_whole_from_the_archive(
    trading, matcher, traders, tmp_path
) -> None:
    data = tmp_path / "data"
    matcher.terminate()  # snapshots at shutdown; the next start opens a new segment
    restarted = start_matcher(data)
    try:
        place(traders[0], "sell", "110")
        place(traders[1], "buy", "110")
        (first, *_later) = sorted((data / "journal").glob("journal-*.wal"))
        archive = tmp_path / "archive"
        archive.mkdir()
        shutil.move(first, archive / first.name)  # what retention does with the archive set

        status, out, notes = audit_verify_report("--data-dir", str(data))
        assert (status, out) == (0, "ok\n")
        assert "the journal before seq" in notes and "checked from the snapshot at seq" in notes
        status, out, notes = audit_verify_report("--data-dir", str(data), "--archive-dir",
                                                 str(archive))  # fmt: skip
        assert (status, out) == (0, "ok\n")
        assert "seq 1 to" in notes and "snapshot" not in notes
        Trade.objects.filter(id=trading[0].id).update(quantity="7")
        # the snapshot is after the edited trade: only the archive's journal covers it
        assert audit_verify("--data-dir", str(data))[0] == 0
        assert audit_verify("--data-dir", str(data), "--archive-dir", str(archive))[0] == 1
    finally:
        restarted.stop()
