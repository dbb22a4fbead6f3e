"""What `credit` and `debit` share: ask for the transfer, wait for the matcher, report."""

from __future__ import annotations

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Transfer
from accounts.transfers import TransferError, transfer_request, transfer_wait
from exchange.models.fields import plain


class TransferCommand(BaseCommand):
    kind = ""

    def add_arguments(self, parser) -> None:
        parser.add_argument("user", help="username")
        parser.add_argument("asset", help="e.g. USDT")
        parser.add_argument("amount", help="a decimal, e.g. 1000.5")
        parser.add_argument("--transfer-id", help="makes retries safe: a repeat changes nothing")
        parser.add_argument("--no-wait", action="store_true", help="do not wait for the matcher")

    def handle(self, *args, user, asset, amount, transfer_id, no_wait, **options) -> None:
        owner = get_user_model().objects.filter(username=user).first()
        if owner is None:
            raise CommandError(f"no user {user!r}")
        try:
            transfer = transfer_request(
                user=owner, kind=self.kind, asset=asset, amount=amount, transfer_id=transfer_id
            )
        except TransferError as error:
            raise CommandError(str(error)) from None
        if not no_wait:
            transfer = transfer_wait(transfer)
        self.stdout.write(
            json.dumps(
                {
                    "transfer_id": transfer.transfer_id,
                    "kind": transfer.kind,
                    "user": user,
                    "asset": transfer.asset,
                    "amount": plain(transfer.amount),
                    "status": transfer.status,
                    "reason": transfer.reason or None,
                }
            )
        )
        if transfer.status == Transfer.Status.REFUSED:
            raise CommandError(f"refused: {transfer.reason}")
