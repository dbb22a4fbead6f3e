"""A cancel may say why it was sent (the service's extension): `cancel_on_disconnect` is given
to the order's event; any other reason is ignored, as SPEC.md's cancel knows none."""

from __future__ import annotations

from .helpers import cancel, limit, run


def test_a_known_reason_reaches_the_event_and_others_are_ignored() -> None:
    r = run(
        [
            limit(1, "u1", "buy", "1.000", "90.00"),
            limit(2, "u1", "buy", "1.000", "90.00"),
            cancel(1, "u1", reason="cancel_on_disconnect"),
            cancel(2, "u1", reason="because"),
        ]
    )

    assert r.order_updates(2)[0].reason == "cancel_on_disconnect"
    assert r.order_updates(3)[0].reason == ""
    assert r.status(2) == "cancelled,0.000,"
