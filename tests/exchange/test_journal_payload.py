"""The matcher's journal records (matching/service/matcher.py `journal_payload`): whatever a
command holds, the record reads back (as matching/recovery.py reads it) as the same dict."""

from __future__ import annotations

import json
import math

from hypothesis import given
from hypothesis import strategies as st

from matching.service.matcher import journal_payload

scalars = (
    st.none()
    | st.booleans()
    | st.integers()  # past 64 bits too
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()  # lone surrogates and other code points orjson will not write
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


def same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(same, a, b))
    return type(a) is type(b) and a == b


@given(st.dictionaries(st.text(), values, max_size=8))
def test_a_command_reads_back_as_itself(command: dict) -> None:
    assert same(json.loads(journal_payload(command)), command)


def test_an_order_is_compact_json() -> None:
    order = {"op": "new", "user": 7, "symbol": "BTC-USDT", "price": "100.5", "post_only": True,
             "client_order_id": "é", "stop": None}  # fmt: skip

    payload = journal_payload(order)

    assert payload == json.dumps(order, separators=(",", ":"), ensure_ascii=False).encode()


def test_what_orjson_cannot_write_alike_is_written_by_the_standard_library() -> None:
    assert math.isnan(json.loads(journal_payload({"price": float("nan")}))["price"])
    assert json.loads(journal_payload({"id": 2**70})) == {"id": 2**70}
    assert json.loads(journal_payload({"text": "\ud800"})) == {"text": "\ud800"}
