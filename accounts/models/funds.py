"""Funds as the database mirrors them: the double-entry ledger the persister writes from the
matcher's postings, the balances derived from it, deposits and withdrawals waiting for the
matcher, and the differences the reconciliation found.

Accounts are named as the engine names them: a user's id (as text), `@fees` for the
exchange's fee account and `@external` for the world outside (deposits come from it).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from exchange.models.fields import decimal_field

FEE_ACCOUNT = "@fees"
EXTERNAL_ACCOUNT = "@external"
ASSET_LENGTH = 12


class Balance(models.Model):
    """One account's balance of one asset, as of engine seq `last_seq`."""

    account = models.CharField(max_length=32)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="balances",
        db_constraint=False,
        help_text="Empty for the exchange's own fee account.",
    )
    asset = models.CharField(max_length=ASSET_LENGTH)
    available = decimal_field()
    locked = decimal_field()
    last_seq = models.BigIntegerField()

    class Meta:
        ordering = ["account", "asset"]
        constraints = [
            models.UniqueConstraint(fields=["account", "asset"], name="balance_unique"),
            models.CheckConstraint(
                condition=Q(available__gte=0) & Q(locked__gte=0), name="balance_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.asset}: {self.available} + {self.locked} locked"


class LedgerEntry(models.Model):
    """One double-entry leg: `amount` of `asset` moved from one (account, bucket) to another,
    by the command of engine seq `seq` (its `position`-th event)."""

    class Reason(models.TextChoices):
        DEPOSIT = "deposit"
        WITHDRAWAL = "withdrawal"
        HOLD = "hold"
        RELEASE = "release"
        TRADE = "trade"
        FEE = "fee"
        REBATE = "rebate"

    seq = models.BigIntegerField()
    position = models.PositiveIntegerField()
    asset = models.CharField(max_length=ASSET_LENGTH)
    from_account = models.CharField(max_length=32)
    from_bucket = models.CharField(max_length=9)
    to_account = models.CharField(max_length=32)
    to_bucket = models.CharField(max_length=9)
    amount = decimal_field()
    reason = models.CharField(max_length=10, choices=Reason.choices)
    order_id = models.BigIntegerField(null=True, blank=True)
    trade_id = models.BigIntegerField(null=True, blank=True)
    transfer_id = models.CharField(max_length=64, null=True, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["seq", "position"]
        verbose_name_plural = "ledger entries"
        indexes = [
            models.Index(fields=["from_account", "asset"]),
            models.Index(fields=["to_account", "asset"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["seq", "position"], name="ledger_entry_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.seq}.{self.position} {self.amount} {self.asset} {self.reason}"


class Transfer(models.Model):
    """A deposit or withdrawal asked for outside the matcher (a command, the admin), waiting
    for the matcher to take it in: it polls this table, so a transfer made from another
    process reaches it in both the embedded and the production mode."""

    class Kind(models.TextChoices):
        CREDIT = "credit"
        DEBIT = "debit"

    class Status(models.TextChoices):
        PENDING = "pending"
        DONE = "done"
        REFUSED = "refused"

    transfer_id = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=6, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="transfers"
    )
    asset = models.CharField(max_length=ASSET_LENGTH)
    amount = decimal_field()
    status = models.CharField(
        max_length=7, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    reason = models.CharField(max_length=32, blank=True)
    seq = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="transfer_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.asset} for {self.user} ({self.status})"


class ReconciliationAlert(models.Model):
    """A difference between the matcher's balance and the database's, found by the
    reconciliation job; an admin looks into it and marks it resolved."""

    account = models.CharField(max_length=32)
    asset = models.CharField(max_length=ASSET_LENGTH)
    seq = models.BigIntegerField(help_text="The engine seq the balances were compared at.")
    matcher_available = decimal_field(null=True)
    matcher_locked = decimal_field(null=True)
    ledger_available = decimal_field(null=True)
    ledger_locked = decimal_field(null=True)
    detail = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.account} {self.asset} at seq {self.seq}"
