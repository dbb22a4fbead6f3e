"""The engine's `client_order_id` extension of `new` (API.md "Placing an order").

Every order *accepted* with a `client_order_id` (whatever became of it afterwards) registers
(user, client_order_id) -> order id; a later `new` of the same user with the same
`client_order_id` is rejected `duplicate_client_order_id`. A malformed one (not a string,
empty, over 64 characters) is `invalid_client_order_id`. Both checks sit right after SPEC.md
§2 rule 1 (`duplicate_order_id`) and before `unknown_symbol`. A rejected order registers
nothing. The map is engine state: it survives snapshots and recovery and is in the state hash.
"""

from __future__ import annotations

import pytest

from matching.engine import Engine
from matching.engine.state import dump_state, load_state, state_sha256
from matching.journal import JournalWriter
from matching.journaled_run import run_journaled
from matching.recovery import recover
from matching.snapshots import read_snapshot, write_snapshot

from .helpers import cancel, limit, market, new, run, symbol, with_lines


def coid(cmd: dict, client_order_id: object) -> dict:
    """`cmd` with a `client_order_id`."""
    return {**cmd, "client_order_id": client_order_id}


def engine_after(commands: list[dict]) -> Engine:
    engine = Engine()
    for cmd in [symbol(), *commands]:
        engine.process(cmd)
        engine.check_invariants()
    return engine


# ---- registering and looking up --------------------------------------------------------------


def test_an_accepted_order_registers_its_client_order_id():
    engine = engine_after([coid(limit(1, "u1", "buy", "1.000", "100.00"), "a")])
    assert engine.order_id_for_client_id("u1", "a") == 1
    assert engine.order_id_for_client_id("u2", "a") is None
    assert engine.order_id_for_client_id("u1", "b") is None


def test_look_up_canonicalises_the_user_like_the_engine():
    engine = engine_after([coid(limit("7", 1, "buy", "1.000", "100.00"), "a")])
    assert engine.order_id_for_client_id(1, "a") == 7
    assert engine.order_id_for_client_id("1", "a") == 7
    assert engine.order_id_for_client_id(True, "a") is None  # a bool is not a user
    assert engine.order_id_for_client_id(1, 5) is None  # nor a number a client_order_id
    assert engine.order_id_for_client_id(1, ["a"]) is None


def test_a_repeat_is_rejected_and_the_first_order_is_untouched():
    r = run(
        [
            coid(limit(1, "u1", "buy", "1.000", "100.00"), "a"),
            coid(limit(2, "u1", "buy", "2.000", "99.00"), "a"),
        ]
    )
    assert r.orders == ["1,new,0.000,", "2,rejected,0.000,duplicate_client_order_id"]
    assert r.book == ["BTC-USDT,buy,100.00,1,1.000,1.000"]
    assert r.engine.order_id_for_client_id("u1", "a") == 1


def test_the_same_client_order_id_is_fine_for_another_user():
    r = run(
        [
            coid(limit(1, "u1", "buy", "1.000", "100.00"), "a"),
            coid(limit(2, "u2", "buy", "1.000", "100.00"), "a"),
        ]
    )
    assert r.orders == ["1,new,0.000,", "2,new,0.000,"]
    assert r.engine.order_id_for_client_id("u2", "a") == 2


def test_users_1_and_quoted_1_are_the_same_user():
    r = run(
        [
            coid(limit(1, 1, "buy", "1.000", "100.00"), "a"),
            coid(limit(2, "1", "buy", "1.000", "100.00"), "a"),
        ]
    )
    assert r.status(2) == "rejected,0.000,duplicate_client_order_id"


def test_client_order_ids_are_case_sensitive_and_exact():
    r = run(
        [
            coid(limit(1, "u1", "buy", "1.000", "100.00"), "a"),
            coid(limit(2, "u1", "buy", "1.000", "100.00"), "A"),
            coid(limit(3, "u1", "buy", "1.000", "100.00"), "a "),
        ]
    )
    assert [line.split(",")[1] for line in r.orders] == ["new", "new", "new"]


def test_a_rejected_order_does_not_register_so_the_id_can_be_reused():
    r = run(
        [
            coid(limit(1, "u1", "buy", "1.000", "100.001"), "a"),  # tick_size
            coid(limit(2, "u1", "buy", "1.000", "100.00"), "a"),
        ]
    )
    assert r.orders == ["1,rejected,0.000,tick_size", "2,new,0.000,"]
    assert r.engine.order_id_for_client_id("u1", "a") == 2


def test_a_duplicate_does_not_take_over_the_client_order_id():
    r = run(
        [
            coid(limit(1, "u1", "buy", "1.000", "100.00"), "a"),
            coid(limit(2, "u1", "buy", "1.000", "100.00"), "a"),
            coid(limit(3, "u1", "buy", "1.000", "100.00"), "a"),
        ]
    )
    assert r.status(3) == "rejected,0.000,duplicate_client_order_id"
    assert r.engine.order_id_for_client_id("u1", "a") == 1


def test_an_order_without_client_order_id_registers_nothing():
    r = run(
        [
            limit(1, "u1", "buy", "1.000", "100.00"),
            coid(limit(2, "u1", "buy", "1.000", "99.00"), None),
        ]
    )
    assert r.orders == ["1,new,0.000,", "2,new,0.000,"]
    assert r.engine.client_ids == {}


# ---- accepted is accepted, whatever happened next ---------------------------------------------


ENDINGS = {
    "filled": [
        limit(10, "u9", "sell", "1.000", "100.00"),
        coid(market(1, "u1", "buy", "1.000"), "x"),
    ],
    "expired (market on an empty book)": [coid(market(1, "u1", "buy", "1.000"), "x")],
    "expired (IOC that does not cross)": [
        coid(limit(1, "u1", "buy", "1.000", "100.00", tif="IOC"), "x")
    ],
    "expired (FOK that cannot fill)": [
        limit(10, "u9", "sell", "0.500", "100.00"),
        coid(limit(1, "u1", "buy", "1.000", "100.00", tif="FOK"), "x"),
    ],
    "cancelled by a cancel line": [
        coid(limit(1, "u1", "buy", "1.000", "100.00"), "x"),
        cancel(1, "u1"),
    ],
    "cancelled by self-trade prevention": [
        limit(10, "u1", "sell", "1.000", "100.00"),
        coid(limit(1, "u1", "buy", "1.000", "100.00", stp="cancel_incoming"), "x"),
    ],
    "waiting for its trigger": [
        coid(new(1, "u1", "sell", "stop_loss", "1.000", trigger_price="90.00"), "x")
    ],
    "rejected at stop activation (post-only would take)": [
        limit(10, "u9", "sell", "1.000", "100.00"),
        limit(11, "u8", "sell", "1.000", "101.00"),
        coid(
            new(
                1,
                "u1",
                "buy",
                "stop_limit",
                "1.000",
                trigger_price="100.00",
                price="101.00",
                post_only=True,
            ),
            "x",
        ),
        market(12, "u7", "buy", "1.000"),  # trades at 100.00: the stop activates
    ],
    "expired by GTD": [
        coid(limit(1, "u1", "buy", "1.000", "100.00", tif="GTD", expire_at=10), "x"),
        {"op": "tick", "ts": 10},
    ],
}
EXPECTED_STATUS = {
    "filled": "filled",
    "expired (market on an empty book)": "expired",
    "expired (IOC that does not cross)": "expired",
    "expired (FOK that cannot fill)": "expired",
    "cancelled by a cancel line": "cancelled",
    "cancelled by self-trade prevention": "cancelled",
    "waiting for its trigger": "pending_trigger",
    "rejected at stop activation (post-only would take)": "rejected",
    "expired by GTD": "expired",
}


@pytest.mark.parametrize("ending", sorted(ENDINGS))
def test_an_accepted_order_keeps_its_client_order_id_whatever_becomes_of_it(ending):
    r = run([*ENDINGS[ending], coid(limit(2, "u1", "buy", "1.000", "50.00"), "x")])
    assert r.status(1).split(",")[0] == EXPECTED_STATUS[ending]
    assert r.status(2) == "rejected,0.000,duplicate_client_order_id"
    assert r.engine.order_id_for_client_id("u1", "x") == 1


# ---- where the checks sit --------------------------------------------------------------------


def test_duplicate_order_id_comes_first_and_registers_nothing():
    r = run(
        [
            limit(1, "u1", "buy", "1.000", "100.00"),
            coid(limit(1, "u1", "buy", "1.000", "100.00"), "a"),  # duplicate id: nowhere
            coid(limit(2, "u1", "buy", "1.000", "100.00"), "a"),
        ]
    )
    assert r.orders == ["1,new,0.000,", "2,new,0.000,"]
    refused = r.events[1]
    assert refused == [("refused", "new", 1, "u1", "duplicate_order_id")]


def test_a_duplicate_client_order_id_still_uses_up_its_order_id():
    r = run(
        [
            coid(limit(1, "u1", "buy", "1.000", "100.00"), "a"),
            coid(limit(2, "u1", "buy", "1.000", "100.00"), "a"),
            limit(2, "u1", "buy", "1.000", "100.00"),  # id 2 was used by the rejection
        ]
    )
    assert r.orders == ["1,new,0.000,", "2,rejected,0.000,duplicate_client_order_id"]
    assert r.events[2] == [("refused", "new", 2, "u1", "duplicate_order_id")]


def test_duplicate_client_order_id_comes_before_unknown_symbol():
    r = run(
        [
            coid(limit(1, "u1", "buy", "1.000", "100.00"), "a"),
            coid(limit(2, "u1", "buy", "1.000", "100.00", symbol="NOPE"), "a"),
        ]
    )
    assert r.status(2) == "rejected,0,duplicate_client_order_id"  # no market: prints 0


def test_invalid_client_order_id_comes_before_unknown_symbol_and_everything_else():
    cmd = coid(new(1, "u1", "BUY", "nope", "abc", symbol="NOPE"), "")
    r = run([cmd])
    assert r.status(1) == "rejected,0,invalid_client_order_id"


def test_duplicate_comes_before_the_other_rules_on_a_known_market():
    r = run(
        [
            coid(limit(1, "u1", "buy", "1.000", "100.00"), "a"),
            coid(limit(2, "u1", "long", "abc", "1"), "a"),
        ]
    )
    assert r.status(2) == "rejected,0.000,duplicate_client_order_id"


@pytest.mark.parametrize(
    "value",
    [5, 0, 1.5, True, False, ["a"], {"a": 1}, "", "x" * 65, "é" * 65],
    ids=["int", "zero", "float", "true", "false", "list", "object", "empty", "65", "65-unicode"],
)
def test_invalid_client_order_ids(value):
    r = run([coid(limit(1, "u1", "buy", "1.000", "100.00"), value)])
    assert r.status(1) == "rejected,0.000,invalid_client_order_id"
    assert r.engine.client_ids == {}


@pytest.mark.parametrize("value", ["x", "x" * 64, "é" * 64, " ", "0", "1"])
def test_valid_client_order_ids(value):
    r = run([coid(limit(1, "u1", "buy", "1.000", "100.00"), value)])
    assert r.status(1) == "new,0.000,"
    assert r.engine.order_id_for_client_id("u1", value) == 1


def test_null_counts_as_absent():
    r = run(
        [
            coid(limit(1, "u1", "buy", "1.000", "100.00"), None),
            coid(limit(2, "u1", "buy", "1.000", "100.00"), None),
        ]
    )
    assert r.orders == ["1,new,0.000,", "2,new,0.000,"]


def test_a_numeric_looking_client_order_id_is_not_an_id_and_not_canonicalised():
    r = run(
        [
            coid(limit(1, "u1", "buy", "1.000", "100.00"), "1"),
            coid(limit(2, "u1", "buy", "1.000", "100.00"), "01"),
            coid(limit(3, "u1", "buy", "1.000", "100.00"), 1),
        ]
    )
    assert r.orders == ["1,new,0.000,", "2,new,0.000,", "3,rejected,0.000,invalid_client_order_id"]


def test_the_id_and_the_client_order_id_are_separate_name_spaces():
    r = run(
        [
            coid(limit(1, "u1", "buy", "1.000", "100.00"), "2"),
            coid(limit(2, "u1", "buy", "1.000", "100.00"), "1"),
        ]
    )
    assert r.orders == ["1,new,0.000,", "2,new,0.000,"]


# ---- state: snapshots, the hash, recovery ----------------------------------------------------

COMMANDS = [
    coid(limit(1, "u1", "sell", "1.000", "100.00"), "s1"),
    coid(market(2, "u2", "buy", "1.000"), "m"),  # fills 1: both no longer live
    coid(limit(3, 7, "buy", "1.000", "99.00"), "b"),
    coid(limit("x9", "u1", "buy", "1.000", "98.00"), "s2"),
    coid(limit(4, "u1", "buy", "1.000", "98.00"), "s2"),  # duplicate
]


def test_the_map_survives_a_snapshot_and_the_state_hash_covers_it(tmp_path):
    live = engine_after(COMMANDS)
    restored = read_snapshot(write_snapshot(tmp_path, live))
    assert restored.client_ids == live.client_ids
    assert restored.client_ids == {
        ("u1", "s1"): 1,
        ("u2", "m"): 2,
        (7, "b"): 3,
        ("u1", "s2"): "x9",
    }
    assert state_sha256(restored) == state_sha256(live)
    nudged = load_state(dump_state(live))
    nudged.client_ids[("u1", "s3")] = 99
    assert state_sha256(nudged) != state_sha256(live), "the hash must cover the map"
    follow = coid(limit(5, "u2", "buy", "1.000", "90.00"), "m")
    assert restored.process(follow) == live.process(follow)
    assert live.events[-1][5] == "rejected"


def test_a_state_without_client_order_ids_dumps_as_before():
    """No `client_ids` key unless there is one: snapshots and hashes of engines that never saw
    a client_order_id are byte for byte what they were before the extension."""
    engine = engine_after([limit(1, "u1", "buy", "1.000", "100.00")])
    assert "client_ids" not in dump_state(engine)
    assert load_state(dump_state(engine)).client_ids == {}


def test_the_dump_is_canonical_whatever_the_insertion_order():
    first = engine_after([coid(limit(1, "u1", "buy", "1.000", "90.00"), "b"),
                          coid(limit(2, 5, "buy", "1.000", "90.00"), "a")])  # fmt: skip
    state = dump_state(first)
    state["client_ids"] = list(reversed(state["client_ids"]))
    assert state_sha256(load_state(state)) == state_sha256(first)
    assert dump_state(first)["client_ids"] == [[5, "a", 2], ["u1", "b", 1]]


def test_recovery_from_the_journal_rebuilds_the_map(tmp_path):
    commands = [symbol(), *COMMANDS]
    engine = Engine()
    writer = JournalWriter(tmp_path, 1, fsync="off")
    run_journaled(with_lines(commands), engine, writer, batch=2)
    writer.close()
    recovered = recover(tmp_path)
    assert recovered.engine.client_ids == engine.client_ids
    assert state_sha256(recovered.engine) == state_sha256(engine)


def test_recovery_from_a_snapshot_then_the_journal_rebuilds_the_map(tmp_path):
    commands = [symbol(), *COMMANDS]
    engine = Engine()
    writer = JournalWriter(tmp_path, 1, fsync="off")

    def snapshot(seq: int) -> None:
        if seq == 3:
            write_snapshot(tmp_path, engine)

    run_journaled(with_lines(commands), engine, writer, batch=1, on_ack=snapshot)
    writer.close()
    recovered = recover(tmp_path)
    assert recovered.snapshot_seq == 3
    assert state_sha256(recovered.engine) == state_sha256(engine)
    assert recovered.engine.order_id_for_client_id("u1", "s2") == "x9"


# ---- forgetting the oldest (the matcher, once the database holds them) -----------------------


def forget(upto: object) -> dict:
    return {"op": "forget_client_ids", "upto": upto}


def test_forgetting_lets_go_of_the_orders_up_to_the_id_and_keeps_the_rest():
    engine = engine_after(
        [
            coid(limit(order_id, "u1", "buy", "1.000", "90.00"), f"c{order_id}")
            for order_id in (1, 2, 3)
        ]
        + [forget(2)]
    )
    assert engine.client_ids == {("u1", "c3"): 3}
    again = engine.process(coid(limit(4, "u1", "buy", "1.000", "90.00"), "c1"))
    assert again[0][5] != "rejected", "a forgotten client_order_id is the database's to refuse"
    repeat = engine.process(coid(limit(5, "u1", "buy", "1.000", "90.00"), "c3"))
    assert repeat[0][-1] == "duplicate_client_order_id"


def test_forgetting_stops_at_the_first_order_placed_after_the_id():
    engine = engine_after(
        [
            coid(limit(5, "u1", "buy", "1.000", "90.00"), "a"),
            coid(limit(2, "u1", "buy", "1.000", "90.00"), "b"),  # placed later, smaller id
            coid(limit("z", "u1", "buy", "1.000", "90.00"), "c"),
            forget(3),
        ]
    )
    assert engine.client_ids == {("u1", "a"): 5, ("u1", "b"): 2, ("u1", "c"): "z"}
    engine.process(forget(5))
    assert engine.client_ids == {("u1", "c"): "z"}  # stops at a string id: kept


@pytest.mark.parametrize("upto", [None, "3", True, 2.0, [3]])
def test_forgetting_without_an_integer_changes_nothing(upto):
    engine = engine_after([coid(limit(1, "u1", "buy", "1.000", "90.00"), "a")])
    before = state_sha256(engine)
    assert engine.process(forget(upto)) == []
    assert engine.client_ids == {("u1", "a"): 1}
    assert engine.seq == 3  # journaled like any command
    assert state_sha256(engine) != before  # only the seq moved


def test_a_loaded_snapshot_forgets_oldest_first_like_the_live_engine():
    commands = [
        coid(limit(order_id, user, "buy", "1.000", "90.00"), name)
        for order_id, user, name in ((1, "u2", "z"), (2, "u1", "y"), (3, "u0", "x"))
    ]
    live = engine_after(commands)
    restored = load_state(dump_state(live))  # the dump sorts by user: u0, u1, u2
    for engine in (live, restored):
        engine.process(forget(2))
    assert restored.client_ids == live.client_ids == {("u0", "x"): 3}


def test_recovery_replays_the_forgetting(tmp_path):
    commands = [symbol(), *COMMANDS, forget(2)]
    engine = Engine()
    writer = JournalWriter(tmp_path, 1, fsync="off")
    run_journaled(with_lines(commands), engine, writer, batch=2)
    writer.close()
    recovered = recover(tmp_path)
    assert ("u2", "m") not in engine.client_ids
    assert recovered.engine.client_ids == engine.client_ids
    assert state_sha256(recovered.engine) == state_sha256(engine)
