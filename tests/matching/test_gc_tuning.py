"""The serving matcher's collector settings (matching/gc_tuning.py): higher thresholds, and
what exists after recovery left out of later collections, yet freed when it goes."""

from __future__ import annotations

import gc
import weakref

import pytest

from matching.gc_tuning import SERVING_THRESHOLDS, freeze_recovered, tune_for_serving


@pytest.fixture
def collector_restored():
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


class Resting:
    """Stands for an object recovery made (an order in a book)."""


def test_serving_raises_the_thresholds(collector_restored):
    tune_for_serving()
    assert gc.get_threshold() == SERVING_THRESHOLDS
    assert SERVING_THRESHOLDS[0] > 700  # Python's default young threshold


def test_what_exists_is_frozen_and_still_freed_by_its_last_reference(collector_restored):
    book = {"order": Resting()}
    gone: list = []
    watch = weakref.ref(book["order"], gone.append)
    freeze_recovered()
    assert gc.get_freeze_count() > 0
    assert not any(obj is book for obj in gc.get_objects())  # out of the collector's sight
    del book["order"]
    assert gone == [watch]  # freed at once, no collection needed
