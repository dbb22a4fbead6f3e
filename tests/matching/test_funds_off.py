"""With funds off (the default) the engine is exactly the engine from before funds: the same
events, byte for byte, and the same state dump, so command files, `python -m matching replay`,
snapshots and state hashes are unchanged.

The digests below were taken with the engine as it was before funds (commit de25870): each is
the SHA-256 over the `repr` of every command's events, then the canonical state dump, with
the used ids as that engine dumped them (one sorted list; they are now dumped partly as
bitmap chunks, id_set.py, which changes the encoding and not the state).
"""

from __future__ import annotations

import hashlib
import random
from decimal import Decimal
from pathlib import Path

import pytest

from matching.commandfile import read_commands
from matching.engine import Engine
from matching.engine.events import BALANCE, POSTING
from matching.engine.state import canonical_json, dump_state, load_state, state_sha256

from .funds_helpers import FUNDS_ON, credit
from .helpers import limit, symbol
from .test_properties import random_stream

WORKLOADS = Path(__file__).parent / "workloads"

BEFORE_FUNDS = {
    "full_5k": "8cfa022c630566d9fb228fd730225c14737d0c51fe6037bc6deaf5821150d2b2",
    "standard_10k": "06e9f57d98df64a7d763ce65d5ae4df60537e12ccde397053e30801ee02da3f8",
    "14_fees_tiers_rebates": "74601ed1948c8f40f642e4437398b5e19496983e1b740d4ab225c3fa25a744a2",
    "random 1": "a8601b19aa747c008391c02a26d996e6ac2dcc0f451d1f853dd1bab675c72b09",
    "random 2": "71b1a03c90b64f8769b1ecf52a64d6f3f791f48cb156d6d5b3fa7eb2e3f2fd5c",
    "random 3": "3509443e7e75f84f2b93121d5a135a3402329d87839a8f9802808baef98f9277",
    "quote orders": "ef4c1f04ef4c704253d7fbf1198c7c478d9a8e475005c58ab579c3253f2ea10a",
}


def digest(commands: list[dict]) -> str:
    engine = Engine()
    sha = hashlib.sha256()
    for cmd in commands:
        events = engine.process(cmd)
        assert not any(e[0] is POSTING or e[0] is BALANCE for e in events)
        sha.update(repr(events).encode())
    sha.update(canonical_json(ids_as_before_bitmaps(dump_state(engine), engine)))
    return sha.hexdigest()


def ids_as_before_bitmaps(state: dict, engine: Engine) -> dict:
    state.pop("used_id_chunks", None)
    state["used_ids"] = sorted(engine.used_ids, key=lambda i: (i.__class__ is str, i))
    return state


def quote_stream() -> list[dict]:
    """Limit orders, quote-quantity market buys and cancels (the paths funds touch most)."""
    rng = random.Random(606)
    lines = [symbol("AAA-USD"), symbol("BBB-USD", tick="0.05", lot="0.01", quote_precision=2)]
    for order_id in range(1, 2001):
        name = rng.choice(("AAA-USD", "BBB-USD"))
        lot = Decimal("0.001" if name == "AAA-USD" else "0.01")
        tick = Decimal("0.01" if name == "AAA-USD" else "0.05")
        cmd = {"op": "new", "id": order_id, "user": rng.choice(("u1", "u2", "u3")), "symbol": name}
        cmd["stp"] = rng.choice(("none", "cancel_resting", "decrement_both", "cancel_smallest"))
        roll = rng.random()
        if roll < 0.25:
            cents = rng.randrange(1, 60_000)
            cmd.update(side="buy", type="market", quote_quantity=str(Decimal(cents) / 100))
        else:
            cmd.update(
                side="buy" if roll < 0.45 else "sell",
                type="limit",
                quantity=str(lot * rng.randrange(1, 40)),
                price=str(Decimal(100) + tick * rng.randrange(-10, 11)),
            )
        lines.append(cmd)
        if rng.random() < 0.05:
            cancel = {"op": "cancel", "id": rng.randrange(1, order_id + 1)}
            lines.append(cancel | {"user": rng.choice(("u1", "u2", "u3"))})
    return lines


@pytest.mark.parametrize("name", ["full_5k", "standard_10k", "14_fees_tiers_rebates"])
def test_workloads_give_the_events_and_state_of_before_funds(name):
    commands = read_commands(WORKLOADS / f"{name}.jsonl", lambda number, reason: None)
    assert digest(commands) == BEFORE_FUNDS[name]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_streams_give_the_events_and_state_of_before_funds(seed):
    assert digest(random_stream(seed, 1500)) == BEFORE_FUNDS[f"random {seed}"]


def test_quote_orders_give_the_events_and_state_of_before_funds():
    assert digest(quote_stream()) == BEFORE_FUNDS["quote orders"]


def test_an_engine_without_funds_dumps_no_funds_and_loads_without_them():
    engine = Engine()
    engine.process(symbol())
    engine.process(limit(1, "u", "buy", "1.000", "100.00"))
    state = dump_state(engine)
    assert "funds" not in state
    assert len(state["markets"][0]["bids"][0]) == 18  # no hold_left among an order's fields
    assert load_state(state).funds is None


def test_funds_go_into_the_dump_and_the_state_hash():
    engine = Engine()
    engine.process(symbol())
    before = state_sha256(engine)
    engine.process(FUNDS_ON)
    assert state_sha256(engine) != before
    engine.process(credit("t", "u", "USDT", "500"))
    engine.process(limit(1, "u", "buy", "1.000", "100.00"))
    state = dump_state(engine)
    assert state["funds"] == {
        "balances": [["u", "USDT", 399_800_000_000_000_000_000, 100_200_000_000_000_000_000]],
        "net": [["USDT", 500_000_000_000_000_000_000]],
        "transfers": ["t"],
        "holds": [[1, 100_200_000_000_000_000_000]],
    }
    loaded = load_state(state)
    assert loaded.live[1].hold_left == 100_200_000_000_000_000_000
    assert loaded.balances_of("u") == engine.balances_of("u")
    assert state_sha256(loaded) == state_sha256(engine)
    loaded.check_invariants()
