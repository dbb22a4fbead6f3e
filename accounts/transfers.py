"""Deposits and withdrawals: asked for here, carried out by the matcher (funds_sync polls the
`Transfer` table), recorded in the ledger by the persister."""

from __future__ import annotations

import re
import time
import uuid
from decimal import Decimal, InvalidOperation

from accounts.models import Transfer, User

ASSET = re.compile(r"[A-Z0-9]{1,12}")
MAX_INTEGER_DIGITS = 24


class TransferError(ValueError):
    """The transfer cannot even be asked for (a bad asset or amount)."""


def checked_amount(text: str) -> Decimal:
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise TransferError(f"not a decimal amount: {text!r}") from None
    if not amount.is_finite() or amount <= 0:
        raise TransferError("the amount must be positive")
    if amount.as_tuple().exponent < -18 or amount.adjusted() >= MAX_INTEGER_DIGITS:
        raise TransferError("the amount has more than 18 decimals or is too large")
    return amount


def transfer_request(
    *, user: User, kind: str, asset: str, amount: str, transfer_id: str | None = None
) -> Transfer:
    """Records a credit or debit for the matcher to carry out (within a second if it runs).
    A given `transfer_id` makes the request idempotent: asking twice changes nothing."""
    asset = asset.upper()
    if not ASSET.fullmatch(asset):
        raise TransferError(f"not an asset: {asset!r}")
    transfer, _ = Transfer.objects.get_or_create(
        transfer_id=transfer_id or uuid.uuid4().hex,
        defaults={"kind": kind, "user": user, "asset": asset, "amount": checked_amount(amount)},
    )
    return transfer


def transfer_wait(transfer: Transfer, timeout: float = 15) -> Transfer:
    """The transfer once the matcher has carried it out or refused it (or still pending)."""
    deadline = time.monotonic() + timeout
    while transfer.status == Transfer.Status.PENDING and time.monotonic() < deadline:
        time.sleep(0.1)
        transfer.refresh_from_db()
    return transfer
