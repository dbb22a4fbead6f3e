"""`audit_record` and `audited_change`, the services code outside the admin (kill switches,
a user's trading stop) records its actions with: an entry exists exactly when the change it
records committed."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction

from audit import actions
from audit.errors import AuditError
from audit.models import AuditEntry
from audit.services import audit_record, audited_change
from fees.models import FeeTier
from tests.audit.conftest import audit_verify, only_entry

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def tier() -> FeeTier:
    return FeeTier.objects.create(name="base", maker_rate="0.001", taker_rate="0.002")


def test_a_change_in_the_block_is_recorded_with_the_row_before_and_after(tier) -> None:
    operator = get_user_model().objects.create_user("operator")

    with audited_change(action="fee_tier.change", actor=operator, obj=tier):
        FeeTier.objects.filter(pk=tier.pk).update(name="renamed")

    entry = only_entry()
    assert (entry.actor_id, entry.actor_name, entry.object_repr) == (operator.pk, "operator",
                                                                     str(tier))  # fmt: skip
    assert (entry.before["name"], entry.after["name"]) == ("base", "renamed")


def test_a_block_that_changes_nothing_records_nothing(tier) -> None:
    with audited_change(action="fee_tier.change", actor=None, obj=tier):
        pass

    assert not AuditEntry.objects.exists()


def test_a_block_that_fails_records_nothing_and_changes_nothing(tier) -> None:
    with pytest.raises(RuntimeError), audited_change(action="fee_tier.change", actor=None,
                                                     obj=tier):  # fmt: skip
        FeeTier.objects.filter(pk=tier.pk).update(name="renamed")
        raise RuntimeError("the change failed")

    assert not AuditEntry.objects.exists()
    assert FeeTier.objects.get().name == "base"


def test_an_entry_rolls_back_with_the_transaction_it_was_written_in() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(action=actions.MARKETS_HALT_ALL, actor=None, object_type_name="exchange")
        raise RuntimeError("the change did not commit")

    assert not AuditEntry.objects.exists()
    assert audit_record(action=actions.MARKETS_HALT_ALL, actor=None).id == 1


def test_an_entry_without_a_user_is_the_systems() -> None:
    entry = audit_record(action=actions.USER_TRADING_STOP, actor=None, object_type_name="user",
                         object_id="42", after={"trading": False})  # fmt: skip

    assert (entry.actor_id, entry.actor_name, entry.after) == (None, "system", {"trading": False})


@pytest.mark.parametrize("name", ["halt", "Market.Halt", "market.", "market.halt all"])
def test_a_malformed_action_name_is_refused(name) -> None:
    with pytest.raises(AuditError):
        audit_record(action=name, actor=None)


def test_the_entry_keeps_the_actors_name_once_the_user_is_deleted(tier) -> None:
    operator = get_user_model().objects.create_user("operator")
    operator_id = operator.pk
    audit_record(action="fee_tier.add", actor=operator, obj=tier)

    operator.delete()

    entry = only_entry()
    assert (entry.actor_id, entry.actor_name) == (operator_id, "operator")
    assert audit_verify("--chain-only") == (0, "ok\n")
