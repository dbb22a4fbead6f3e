"""`LoopHistogram` writes what prometheus-client's `Histogram` writes for the same
observations: the same series, buckets, counts and sums (only `_created` may differ)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, Histogram, generate_latest

from matching.service.loop_histogram import LoopHistogram
from matching.service.metrics import LATENCY_BUCKETS

OPS = ("new", "cancel")


def both():
    ours, theirs = CollectorRegistry(), CollectorRegistry()
    loop = LoopHistogram(
        "x_seconds", "Some latency", ["shard", "op"], [("s1", op) for op in OPS],
        LATENCY_BUCKETS, ours,
    )  # fmt: skip
    reference = Histogram(
        "x_seconds", "Some latency", ["shard", "op"], buckets=LATENCY_BUCKETS, registry=theirs
    )
    for op in OPS:
        reference.labels("s1", op)
    return loop, reference, ours, theirs


def exposition(registry: CollectorRegistry) -> str:
    return re.sub(r"(_created\{[^}]*\}) \S+", r"\1 T", generate_latest(registry).decode())


@given(st.lists(st.tuples(st.sampled_from(OPS), st.sampled_from(
    [0.0, 0.00005, 0.00007, *LATENCY_BUCKETS, 10.5, 1e9, 0.0031]
) | st.floats(0, 100, allow_nan=False))))  # fmt: skip
def test_writes_what_a_histogram_writes(observations):
    loop, reference, ours, theirs = both()
    loop.observe_many([(("s1", op), value) for op, value in observations])
    for op, value in observations:
        reference.labels("s1", op).observe(value)
    assert exposition(ours) == exposition(theirs)


def test_a_value_on_a_bound_counts_in_that_bucket():
    loop, _, ours, _ = both()
    loop.observe_many([(("s1", "new"), 0.001), (("s1", "new"), 0.0010001)])
    text = generate_latest(ours).decode()
    assert 'x_seconds_bucket{le="0.001",op="new",shard="s1"} 1.0' in text
    assert 'x_seconds_bucket{le="0.002",op="new",shard="s1"} 2.0' in text
    assert 'x_seconds_count{op="new",shard="s1"} 2.0' in text


def test_an_unknown_child_is_refused():
    loop, *_ = both()
    with pytest.raises(KeyError):
        loop.observe_many([(("s1", "amend"), 0.1)])


def test_its_name_is_taken_in_the_registry():
    _, _, ours, _ = both()
    with pytest.raises(ValueError, match="Duplicated"):
        Histogram("x_seconds", "again", registry=ours)
