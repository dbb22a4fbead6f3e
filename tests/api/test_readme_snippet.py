"""The README's REST snippet works as written: run against a live server and a real matcher,
it places an order, and a refused one gives the status and the error body, not a bare
HTTPError."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.api.clients import SignedClient

pytestmark = [pytest.mark.django_db(transaction=True)]
README = Path(__file__).resolve().parents[2] / "README.md"


def _snippet_signed():
    """The `signed` function of the README's first Python block, defined as written."""
    block = re.search(r"```python\n(.*?)```", README.read_text(), re.DOTALL).group(1)
    definition = block.split("\norder = ")[0]
    namespace: dict = {}
    exec(compile(definition, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    return namespace["signed"]


def test_the_snippet_places_an_order_and_shows_a_refusal_s_body(live_server, matcher, traders):
    signer = SignedClient.for_user(traders[0])
    signed = _snippet_signed()
    credentials = {"key": signer.key, "secret": signer.secret, "base": live_server.url}
    order = {"symbol": "BTC-USDT", "side": "buy", "type": "limit", "quantity": "0.01"}

    placed = signed("POST", "/api/v1/orders", {**order, "price": "50000"}, **credentials)
    refused = signed("POST", "/api/v1/orders", {**order, "price": "50000.001"}, **credentials)

    assert placed[0] == 201 and placed[1]["status"] == "new", placed
    assert refused[0] == 400
    assert refused[1]["error"]["code"] == "tick_size"
    assert refused[1]["error"]["field"] == "price"
