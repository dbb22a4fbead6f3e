"""exchange/json_codec.py: orjson where it agrees with the standard library, which decides
everywhere else; what a client sends is read, and what the socket sends written, alike."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchange import json_codec

ERRORS = (ValueError, UnicodeDecodeError, RecursionError)

scalars = (
    st.none()
    | st.booleans()
    | st.integers()  # past 64 bits too
    | st.floats(allow_nan=False)
    | st.text()  # lone surrogates too
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


def outcome(read, raw):
    try:
        return ("value", read(raw))
    except ERRORS as error:
        return ("error", type(error))


def same(a, b) -> bool:
    """Equal, and of the same types throughout (1 is not 1.0 here)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True) and type(a) is type(b)


@given(values, st.booleans())
def test_reads_what_the_standard_library_reads(value, ascii_only):
    text = json.dumps(value, ensure_ascii=ascii_only)
    for raw in (text, text.encode("utf-8", "surrogatepass")):
        got, expected = outcome(json_codec.loads, raw), outcome(json_codec.standard_loads, raw)
        assert got[0] == expected[0]
        assert same(got[1], expected[1]) if got[0] == "value" else got == expected


@pytest.mark.parametrize(
    "raw",
    [
        '{"n": 123456789012345678901234567890}',  # past 64 bits: orjson would give a float
        '{"n": -9223372036854775809}',
        '{"n": 18446744073709551616}',
        '{"n": 1e400}',  # orjson refuses it, json reads inf
        '"\\ud800"',  # a lone surrogate: orjson refuses it
        '{"a": NaN}',
        "[Infinity]",
        "{'a': 1}",
        '{"a": 1,}',
        "[" * 5000 + "]" * 5000,
        "",
        "\ufeff{}",
        '{"a":1,"a":2}',
        b"\xff\xfe{}",
        b'{"a": "\xff"}',
        b'\xef\xbb\xbf{"a": 1}',
    ],
    ids=lambda raw: repr(raw[:24]),
)
def test_the_standard_library_decides_where_they_differ(raw):
    got, expected = outcome(json_codec.loads, raw), outcome(json_codec.standard_loads, raw)
    assert got[0] == expected[0]
    assert same(got[1], expected[1]) if got[0] == "value" else got == expected, (got, expected)


def test_an_integer_past_64_bits_stays_exact():
    assert json_codec.loads('{"id": 123456789012345678901234567890}') == {
        "id": 123456789012345678901234567890
    }


finite_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)  # fmt: skip


@given(finite_values)
def test_what_it_writes_reads_back_as_the_message(value):
    assert same(json.loads(json_codec.dumps_text(value)), value)


def test_what_orjson_cannot_write_the_standard_library_writes():
    for message in ({1: "a"}, {"n": 2**70}, [2**64]):
        assert json_codec.dumps_text(message) == json.dumps(message, separators=(",", ":"))


def test_a_float_that_is_no_number_is_written_as_json():
    assert json_codec.dumps_text([math.nan, math.inf, -math.inf]) == "[null,null,null]"
