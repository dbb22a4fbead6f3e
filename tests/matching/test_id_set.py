"""id_set.py: the used order ids answer as a set does, take about a bit and a half per dense
id, and dump canonically (the same ids give the same snapshot data, whatever their order)."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from matching.engine import Engine
from matching.engine.id_set import CHUNK_SIZE, DENSE_AT, IdSet
from matching.engine.state import canonical_json, dump_state, load_state, state_sha256

from .helpers import limit, symbol

ids = st.one_of(
    st.integers(min_value=-5, max_value=3 * CHUNK_SIZE),
    st.integers(min_value=CHUNK_SIZE - 300, max_value=CHUNK_SIZE + 300),  # around a boundary
    st.integers(min_value=2**63, max_value=2**70),
    st.text(max_size=4),
)


@given(st.lists(ids, max_size=600), st.lists(ids, max_size=50))
def test_answers_as_a_set_does(added, asked):
    model, id_set = set(), IdSet()
    for order_id in added:
        model.add(order_id)
        id_set.add(order_id)
    for order_id in [*added, *asked]:
        assert (order_id in id_set) == (order_id in model)
    assert len(id_set) == len(model)
    assert sorted(map(repr, id_set)) == sorted(map(repr, model))
    assert id_set == model


@given(st.lists(ids, max_size=600), st.lists(ids, max_size=50))
def test_claim_answers_whether_a_set_had_the_id_and_adds_it(added, asked):
    model, id_set = set(), IdSet()
    for order_id in [*added, *asked]:
        assert id_set.claim(order_id) == (order_id not in model)
        model.add(order_id)
    assert id_set == model and len(id_set) == len(model)


def test_a_dense_chunk_becomes_a_bitmap_and_keeps_every_id():
    id_set = IdSet()
    base = 5 * CHUNK_SIZE
    for offset in range(DENSE_AT - 1):
        id_set.add(base + 3 * offset)
    assert id_set.packed_chunks() == []  # still sparse
    id_set.add(base + 3 * DENSE_AT)
    assert [chunk for chunk, _ in id_set.packed_chunks()] == [5]
    assert id_set.sparse() == set()
    assert all(base + 3 * offset in id_set for offset in range(DENSE_AT - 1))
    assert base + 3 * DENSE_AT in id_set
    assert base + 1 not in id_set and base - 1 not in id_set
    # claimed in the bitmap: an id it holds, then one it did not
    assert not id_set.claim(base + 3) and id_set.claim(base + 1) and not id_set.claim(base + 1)
    assert base + 1 in id_set and id_set.sparse() == set()


def test_the_matchers_rising_ids_cost_about_a_bit_and_a_half_each():
    """A million ids as the matcher hands them out (one per command; three in four commands
    are orders) fit in about 200 KB, where a set takes about 40 MB."""
    rng = random.Random(5)
    id_set, order_id = IdSet(), 7 * 10**12
    for _ in range(1_000_000):
        order_id += 1 if rng.random() < 0.75 else 2
        id_set.add(order_id)
    bitmap_bytes = sum(len(bits) for bits in id_set._chunks.values())
    assert len(id_set) == 1_000_000
    assert bitmap_bytes < 1_000_000 * 1.5 / 8 * 1.1
    assert len(id_set.sparse()) < DENSE_AT * 2  # the chunks at either end


def test_equal_sets_dump_the_same_whatever_the_order_they_came_in():
    values = list(range(CHUNK_SIZE - 500, CHUNK_SIZE + 500)) + ["x", -3, 2**65]
    forward, backward = IdSet(values), IdSet(reversed(values))
    assert forward.packed_chunks() == backward.packed_chunks()
    assert forward.sparse() == backward.sparse()


def engine_with_ids(ids_used):
    engine = Engine()
    engine.process(symbol())
    for order_id in ids_used:
        engine.process(limit(order_id, "u1", "buy", "1.000", "1.00"))
        engine.process({"op": "cancel", "id": order_id, "user": "u1"})
    return engine


def test_a_snapshot_round_trips_the_used_ids():
    engine = engine_with_ids([*range(1000, 1400), "a", 10**20])
    state = dump_state(engine)
    assert state["used_ids"] == [10**20, "a"]  # 400 ids in chunk 0: all in its bitmap
    assert [chunk for chunk, _ in state["used_id_chunks"]] == [0]
    restored = load_state(state)
    assert restored.used_ids == engine.used_ids
    assert state_sha256(restored) == state_sha256(engine)
    again = restored.process(limit(1200, "u2", "buy", "1.000", "1.00"))
    assert again[0][-1] == "duplicate_order_id"


def test_a_snapshot_from_before_the_bitmaps_loads_the_same():
    engine = engine_with_ids(range(1, 600))
    state = dump_state(engine)
    state.pop("used_id_chunks")
    state["used_ids"] = list(range(1, 600))  # every id in the list, as snapshots were
    old = load_state(state)
    assert old.used_ids == engine.used_ids
    assert canonical_json(dump_state(old)) == canonical_json(dump_state(engine))
