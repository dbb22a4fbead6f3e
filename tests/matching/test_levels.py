"""levels.py's `PriceLevels` (the compiled build's price levels) answers as the pure build's
`SortedDict` does, whatever the order of new and emptied levels."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st
from sortedcontainers import SortedDict

from matching.engine.book import Level
from matching.engine.levels import LOAD, PriceLevels


def same(levels: PriceLevels, reference: SortedDict) -> None:
    assert len(levels) == len(reference) and bool(levels) == bool(reference)
    assert list(levels.keys()) == list(reference.keys())
    assert list(levels.values()) == list(reference.values())
    assert list(levels.items()) == list(reference.items())
    if reference:
        assert levels.peekitem(0) == reference.peekitem(0)
        assert levels.peekitem(-1) == reference.peekitem(-1)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(-50, 50)), max_size=300))
def test_adding_and_removing_levels_gives_sorted_dicts_answers(steps) -> None:
    levels, reference = PriceLevels(), SortedDict()
    for add, key in steps:
        if add:
            levels[key] = reference[key] = Level(key)
        elif key in reference:
            del levels[key], reference[key]
        assert levels.get(key) == reference.get(key)
    same(levels, reference)


def test_many_levels_split_into_chunks_and_empty_again() -> None:
    chooser = random.Random(7)
    keys = chooser.sample(range(-100_000, 100_000), 10 * LOAD)
    levels, reference = PriceLevels(), SortedDict()
    for key in keys:
        levels[key] = reference[key] = Level(key)
    assert len(levels._chunks) > 5
    same(levels, reference)
    chooser.shuffle(keys)
    for key in keys[: 9 * LOAD]:
        del levels[key], reference[key]
        assert levels[reference.peekitem(0)[0]] is reference.peekitem(0)[1]
    same(levels, reference)
    for key in keys[9 * LOAD :]:
        del levels[key], reference[key]
    assert not levels and levels._chunks == [] and levels._maxes == []
