"""The serving matcher's collector settings (matching/gc_tuning.py): higher thresholds, and
what exists after recovery left out of later collections, yet freed when it goes."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import weakref
from pathlib import Path

import pytest

from matching.gc_tuning import SERVING_THRESHOLDS, freeze_existing, tune_for_serving


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
    freeze_existing()
    assert gc.get_freeze_count() > 0
    assert not any(obj is book for obj in gc.get_objects())  # out of the collector's sight
    del book["order"]
    assert gone == [watch]  # freed at once, no collection needed


def test_the_web_processes_entry_point_tunes_the_collector(tmp_path):
    """uvicorn and daphne import exchange.asgi before they serve: by then it is done."""
    script = "import gc, exchange.asgi; print(gc.get_threshold()[0], gc.get_freeze_count() > 0)"
    env = {**os.environ, "EXCHANGE_DATA_DIR": str(tmp_path)}
    env["DJANGO_SETTINGS_MODULE"] = "exchange.settings"
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(SERVING_THRESHOLDS[0]), "True"]
