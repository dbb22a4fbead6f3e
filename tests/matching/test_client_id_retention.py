"""client_id_retention.py: the matcher forgets only what was persisted `hold_seconds` ago."""

from __future__ import annotations

from matching.service.client_id_retention import ClientIdRetention


def test_nothing_is_forgotten_before_the_hold_has_passed():
    retention = ClientIdRetention(hold_seconds=60)
    assert retention.forget_upto(0.0, 100) is None
    assert retention.forget_upto(59.9, 250) is None
    assert retention.forget_upto(60.0, 300) == 100  # persisted 60 s ago


def test_it_forgets_up_to_the_newest_position_old_enough():
    retention = ClientIdRetention(hold_seconds=10)
    asked = [retention.forget_upto(float(now), seq) for now, seq in ((0, 10), (5, 20), (9, 30))]
    assert asked == [None, None, None]
    assert retention.forget_upto(12.0, 40) == 10  # only 0 is past the hold
    assert retention.forget_upto(19.5, 50) == 30  # 5 and 9 are now; 12 is not yet
    assert retention.forget_upto(19.6, 50) is None  # nothing new
    assert retention.forget_upto(30.0, 50) == 50


def test_a_persister_that_does_not_move_asks_for_nothing_more():
    retention = ClientIdRetention(hold_seconds=1)
    retention.forget_upto(0.0, 7)
    assert retention.forget_upto(2.0, 7) == 7
    assert [retention.forget_upto(float(now), 7) for now in range(3, 10)] == [None] * 7
