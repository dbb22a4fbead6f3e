"""The persister's PostgreSQL path (`write_rows_sql`: one statement per table) writes exactly
what its ORM path (`write_rows_orm`) writes, row for row.

The batches are made as the matcher makes them: commands run through a real `Engine` with
funds on, their events turned into dicts by `event_format.event_dict`. Foreign keys are
checked at once (SET CONSTRAINTS ALL IMMEDIATE), not at a commit the test never reaches.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import DataError, connection, transaction

from accounts.models import Balance, LedgerEntry, Transfer
from exchange.models import Market, MatcherState, Order, OrderEvent, Trade
from matching.service import persister, persister_sql
from matching.service.matcher_db import shard_state
from matching.service.persister import moment, record_persisted, write_items
from tests import services
from tests.exchange.engine_run import START_MS, Matcher

pytestmark = pytest.mark.django_db

AWKWARD_TEXT = 'a"b\\c,{d} NULL'  # quote, backslash, comma, braces, space, the word NULL
# every table the persister writes, ordered by a natural key (auto ids differ between runs)
WRITTEN = {
    Order: ["id"],
    OrderEvent: ["seq", "position"],
    Trade: ["id"],
    LedgerEntry: ["seq", "position"],
    Balance: ["account", "asset"],
    Transfer: ["transfer_id"],
    MatcherState: ["number"],
}
AUTO_IDS = (OrderEvent, LedgerEntry, Balance)
SYMBOL = {
    "op": "symbol",
    "symbol": "BTC-USDT",
    "base": "BTC",
    "quote": "USDT",
    "tick_size": "0.01",
    "lot_size": "0.001",
}


@pytest.fixture
def postgres(db) -> None:
    if connection.vendor != "postgresql":
        services.unavailable("PostgreSQL", "the test database is not PostgreSQL (DATABASE_URL)")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Scenario:
    """Two batches: orders placed, traded and changed in the first, changed again in the
    second; transfers done, refused and repeated; balances touched in both."""

    def __init__(self) -> None:
        users = get_user_model().objects
        self.maker, self.taker, self.broke = (
            users.create_user(name).pk for name in ("maker", "taker", "broke")
        )
        Market.objects.create(base="BTC", quote="USDT", tick_size="0.01", lot_size="0.001")
        self.state = MatcherState.objects.create(number=7, shard="persister-sql")
        for transfer_id, kind, user, asset, amount in [
            ("m-usdt", "credit", self.maker, "USDT", "100000"),
            ("m-btc", "credit", self.maker, "BTC", "10"),
            ("t-usdt", "credit", self.taker, "USDT", "100000"),
            ("b-btc", "debit", self.broke, "BTC", "5"),
            ("t-btc", "credit", self.taker, "BTC", "1"),
        ]:
            Transfer.objects.create(
                transfer_id=transfer_id, kind=kind, user_id=user, asset=asset, amount=amount
            )
        self.matcher = Matcher()
        self.first = self.matcher.run(
            SYMBOL,
            {"op": "funds", "enabled": True},
            self.transfer("credit", "m-usdt", self.maker, "USDT", "100000"),
            self.transfer("credit", "m-btc", self.maker, "BTC", "10"),
            self.transfer("credit", "t-usdt", self.taker, "USDT", "100000"),
            self.transfer("debit", "b-btc", self.broke, "BTC", "5"),  # refused: no funds
            self.limit(
                self.maker, "sell", "1.000", "100.00", client_order_id=AWKWARD_TEXT, post_only=True
            ),
            self.limit(self.taker, "buy", "0.400", "100.00"),  # placed and filled here
            self.limit(self.broke, "buy", "1.000", "100.00"),  # rejected on arrival
            self.limit(
                self.maker,
                "sell",
                "2.000",
                "101.00",
                display_quantity="0.500",
                tif="GTD",
                expire_at=START_MS + 10**9,
                stp="cancel_both",
            ),
            self.order(self.maker, "sell", "stop_loss", "0.100", trigger_price="90.00"),
            self.order(self.taker, "buy", "market", None, quote_quantity="10"),
        )
        self.resting_sell, self.iceberg = self.first[6].command["id"], self.first[9].command["id"]
        self.second = self.matcher.run(
            self.limit(self.taker, "buy", "0.600", "100.00"),  # fills the earlier resting sell
            {"op": "cancel", "id": self.iceberg, "user": self.maker},
            self.transfer("credit", "m-usdt", self.maker, "USDT", "100000"),  # a repeat
            self.transfer("credit", "t-btc", self.taker, "BTC", "1"),
        )

    @staticmethod
    def transfer(op: str, transfer_id: str, user: int, asset: str, amount: str) -> dict:
        return dict(op=op, transfer_id=transfer_id, user=user, asset=asset, amount=amount)

    @staticmethod
    def order(user: int, side: str, order_type: str, quantity: str | None, **extra) -> dict:
        command = dict(op="new", user=user, symbol="BTC-USDT", side=side, type=order_type)
        command.update(extra)
        if quantity is not None:
            command["quantity"] = quantity
        return command

    def limit(self, user: int, side: str, quantity: str, price: str, **extra) -> dict:
        return self.order(user, side, "limit", quantity, price=price, **extra)


@pytest.fixture
def scenario(postgres) -> Scenario:
    return Scenario()


def database() -> dict[str, list[dict]]:
    """Every row of the tables the persister writes, without the auto ids."""
    tables = {}
    for model, key in WRITTEN.items():
        rows = list(model.objects.order_by(*key).values())
        if model in AUTO_IDS:
            for row in rows:
                del row["id"]
        tables[model.__name__] = rows
    return tables


def written(monkeypatch, state: MatcherState, batches: list, *, orm: bool) -> list[dict]:
    """What the database holds after each of `batches`, written by `write_items` on the ORM
    or the SQL path; all rolled back afterwards."""
    after = []
    with monkeypatch.context() as patch:
        if orm:
            patch.setattr(persister, "write_rows_sql", persister.write_rows_orm)
        with transaction.atomic():
            for batch in batches:
                assert write_items(state.pk, batch) == batch[-1].seq
                after.append(database())
            transaction.set_rollback(True)
    return after


def test_the_sql_path_writes_row_for_row_what_the_orm_path_writes(monkeypatch, scenario):
    batches = [scenario.first, scenario.second]

    by_orm = written(monkeypatch, scenario.state, batches, orm=True)
    by_sql = written(monkeypatch, scenario.state, batches, orm=False)

    assert by_sql == by_orm
    assert all(by_sql[-1][table] for table in ("Order", "OrderEvent", "Trade", "LedgerEntry"))


@pytest.mark.parametrize("orm", [False, True], ids=["sql", "orm"])
def test_writing_a_batch_again_changes_nothing(monkeypatch, scenario, orm):
    first, second = scenario.first, scenario.second

    after = written(monkeypatch, scenario.state, [first, first, second, second], orm=orm)

    assert after[1] == after[0]
    assert after[3] == after[2]
    assert after[2] != after[1]


def test_what_the_sql_path_writes(scenario):
    first, second = scenario.first, scenario.second
    write_items(scenario.state.pk, first)
    write_items(scenario.state.pk, second)

    placed = {item.command["id"]: item for item in first + second if item.command["op"] == "new"}
    rejected = first[8].command["id"]
    assert set(Order.objects.values_list("id", flat=True)) == set(placed) - {rejected}
    assert not OrderEvent.objects.filter(order_id=rejected).exists()
    # placed and filled in the first batch, by a plain and by a quote order
    for index in (7, 11):
        taker = Order.objects.get(id=first[index].command["id"])
        assert taker.status == "filled" and taker.filled_quantity == taker.quantity
        assert taker.last_seq == first[index].seq
    quote_buy = Order.objects.get(id=first[11].command["id"])
    assert (quote_buy.quote_quantity, quote_buy.quantity) == (Decimal(10), Decimal("0.1"))
    # placed in the first batch, changed in the second
    resting = Order.objects.get(id=scenario.resting_sell)
    assert (resting.status, resting.filled_quantity) == ("filled", Decimal(1))
    assert resting.client_order_id == AWKWARD_TEXT and resting.post_only is True
    assert resting.created_at == moment(first[6].ts) and resting.updated_at == moment(second[0].ts)
    assert resting.last_seq == second[0].seq
    assert list(resting.events.values_list("status", "filled_quantity")) == [
        ("new", 0),
        ("partially_filled", Decimal("0.4")),
        ("partially_filled", Decimal("0.5")),
        ("filled", 1),
    ]
    iceberg = Order.objects.get(id=scenario.iceberg)
    assert (iceberg.status, iceberg.time_in_force, iceberg.stp_mode) == (
        "cancelled",
        "GTD",
        "cancel_both",
    )
    assert iceberg.display_quantity == Decimal("0.5")
    assert iceberg.expire_at == moment(START_MS + 10**9)
    assert Order.objects.get(id=first[10].command["id"]).trigger_price == Decimal(90)
    # trades and their ledger legs
    assert list(Trade.objects.order_by("id").values_list("quantity", "maker_order_id")) == [
        (Decimal("0.4"), scenario.resting_sell),
        (Decimal("0.1"), scenario.resting_sell),
        (Decimal("0.5"), scenario.resting_sell),
    ]
    assert LedgerEntry.objects.count() == sum(
        event["kind"] == "posting" for item in first + second for event in item.events
    )
    assert LedgerEntry.objects.get(transfer_id="t-btc").amount == Decimal(1)
    # each balance as the engine has it, after two upserts for the traders
    engine = scenario.matcher.engine
    for balance in Balance.objects.all():
        held = engine.balances_of(balance.user_id or balance.account).get(balance.asset)
        assert held is not None
        units = [Decimal(units) / 10**18 for units in held]
        assert [balance.available, balance.locked] == units
    assert Balance.objects.get(account=str(scenario.maker), asset="USDT").last_seq == second[0].seq
    # transfers: done in the first batch (and kept done by a refused repeat), refused,
    # done in the second
    transfers = {t.transfer_id: t for t in Transfer.objects.all()}
    assert (transfers["m-usdt"].status, transfers["m-usdt"].seq) == ("done", first[2].seq)
    assert transfers["m-usdt"].done_at == moment(first[-1].ts)
    assert (transfers["b-btc"].status, transfers["b-btc"].reason) == (
        "refused",
        "insufficient_funds",
    )
    assert (transfers["t-btc"].status, transfers["t-btc"].seq) == ("done", second[3].seq)
    assert transfers["t-btc"].done_at == moment(second[-1].ts)
    scenario.state.refresh_from_db()
    assert scenario.state.persisted_seq == second[-1].seq


def test_auto_ids_follow_the_order_rows_were_written_in(scenario):
    write_items(scenario.state.pk, scenario.first)
    write_items(scenario.state.pk, scenario.second)

    for model in (OrderEvent, LedgerEntry):
        ids = list(model.objects.order_by("seq", "position").values_list("id", flat=True))
        assert ids == sorted(ids)


def awkward_entries() -> list[dict]:
    """Ledger rows whose values are hard to write as array elements."""
    far_east = timezone(timedelta(hours=9, minutes=30))
    values = [
        (AWKWARD_TEXT, Decimal("1E+2"), None, datetime(2024, 2, 29, 23, 59, 59, 999999, UTC)),
        ("", Decimal("0.000000000000000001"), 2**62, datetime(2024, 1, 1, 8, 0, tzinfo=far_east)),
        ("NULL", Decimal("123456789012345678901234567890.5"), 0, moment(START_MS)),
        ('"', Decimal("0.1234567890123456789"), -1, moment(START_MS + 1)),  # rounded to 18
        ("\\", Decimal(7), None, moment(START_MS + 2)),
        ("ünï cødé 漢字 '", Decimal("2.50"), None, moment(START_MS + 3)),
    ]
    return [
        {
            "seq": 1,
            "position": position,
            "asset": "BTC",
            "from_account": text[:32],
            "from_bucket": "available",
            "to_account": "@external",
            "to_bucket": "external",
            "amount": amount,
            "reason": "deposit",
            "order_id": number,
            "trade_id": None,
            "transfer_id": text or None,
            "at": at,
        }
        for position, (text, amount, number, at) in enumerate(values)
    ]


def stored_entries() -> list[dict]:
    return list(LedgerEntry.objects.order_by("position").values(*awkward_entries()[0]))


def test_array_literals_carry_any_value_as_the_orm_does(postgres):
    with transaction.atomic():
        LedgerEntry.objects.bulk_create(
            [LedgerEntry(**row) for row in awkward_entries()], ignore_conflicts=True
        )
        by_orm = stored_entries()
        transaction.set_rollback(True)
    with connection.cursor() as cursor:
        persister_sql.insert(cursor, LedgerEntry, awkward_entries())

    assert stored_entries() == by_orm
    assert by_orm[0]["from_account"] == AWKWARD_TEXT
    assert by_orm[3]["amount"] == Decimal("0.123456789012345679")


def test_a_value_too_long_for_its_column_fails_as_with_the_orm(postgres):
    entry = awkward_entries()[0] | {"from_bucket": "available!"}  # varchar(9)

    with pytest.raises(DataError), transaction.atomic():
        LedgerEntry.objects.bulk_create([LedgerEntry(**entry)])
    with pytest.raises(DataError), transaction.atomic(), connection.cursor() as cursor:
        persister_sql.insert(cursor, LedgerEntry, [entry])


def test_a_field_the_rows_lack_gets_its_default_as_with_the_orm(postgres):
    user = get_user_model().objects.create_user("someone")
    row = dict(transfer_id="x", kind="credit", user_id=user.pk, asset="BTC", amount=Decimal(1))
    row |= {"reason": "", "seq": None, "done_at": None}  # no status, no created_at
    before = datetime.now(UTC)

    with connection.cursor() as cursor:
        persister_sql.insert(cursor, Transfer, [row])

    transfer = Transfer.objects.get()
    assert transfer.status == "pending"  # the field's default
    assert before <= transfer.created_at <= datetime.now(UTC)  # auto_now_add


def test_the_persisted_seq_recorded_only_moves_forward() -> None:
    """A batch written again (after a crash, or twice) never takes the shard's position back."""
    state = shard_state("persisted-seq")

    record_persisted(state.pk, 7)
    record_persisted(state.pk, 5)
    assert MatcherState.objects.get(pk=state.pk).persisted_seq == 7

    record_persisted(state.pk, 9)
    assert MatcherState.objects.get(pk=state.pk).persisted_seq == 9
    assert MatcherState.objects.exclude(pk=state.pk).filter(persisted_seq__gt=0).count() == 0
