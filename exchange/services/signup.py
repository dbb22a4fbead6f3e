"""Sign-up: a new account starts with no funds, unless the deployment grants demo funds."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from accounts.models import Transfer, User
from accounts.transfers import transfer_request

# What a new account gets where EXCHANGE_DEMO_FUNDS is on.
SIGNUP_DEMO_FUNDS = (("USDT", "10000"), ("BTC", "1"), ("ETH", "10"))


def signup_demo_funds_grant(*, user: User) -> list[Transfer]:
    """Asks the matcher to credit the demo funds to `user` (nothing unless EXCHANGE_DEMO_FUNDS).
    The transfer ids are fixed per user and asset, so asking twice grants once."""
    if not settings.EXCHANGE_DEMO_FUNDS:
        return []
    with transaction.atomic():
        return [
            transfer_request(
                user=user,
                kind="credit",
                asset=asset,
                amount=amount,
                transfer_id=f"signup-{user.pk}-{asset}",
            )
            for asset, amount in SIGNUP_DEMO_FUNDS
        ]
