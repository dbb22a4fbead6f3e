"""`manage.py bootstrap_demo`: demo markets, fee tiers, users with funds and API keys; safe to
run twice.

A running matcher picks the markets and fees up within a second (it compares its
configuration with the database's), in both the embedded and the production mode.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.api_keys import api_key_create
from accounts.transfers import transfer_request
from exchange.models import Market
from fees.models import FeeTier

MARKETS = [
    {"base": "BTC", "quote": "USDT", "tick_size": "0.01", "lot_size": "0.00001",
     "min_notional": "5", "quote_precision": 8},
    {"base": "ETH", "quote": "USDT", "tick_size": "0.01", "lot_size": "0.0001",
     "min_notional": "5", "quote_precision": 8},
]  # fmt: skip
TIERS = [
    ("Base", "0", "0.001", "0.002"),
    ("VIP 1", "1000000", "0.0008", "0.0018"),
    ("VIP 2", "10000000", "-0.0001", "0.0015"),
]
DEMO_USERS = ["alice", "bob"]
# Each demo user's first deposit; fixed transfer ids make a second run change nothing.
DEMO_FUNDS = [("USDT", "100000"), ("BTC", "2"), ("ETH", "20")]


class Command(BaseCommand):
    help = "Creates the demo markets, fee tiers and users (idempotent)."

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            for spec in MARKETS:
                fields = {
                    key: Decimal(value) if isinstance(value, str) else value
                    for key, value in spec.items()
                    if key not in ("base", "quote")
                }
                _, created = Market.objects.get_or_create(
                    symbol=f"{spec['base']}-{spec['quote']}",
                    defaults={"base": spec["base"], "quote": spec["quote"], **fields},
                )
                self._say(f"market {spec['base']}-{spec['quote']}", created)
            for name, volume, maker, taker in TIERS:
                _, created = FeeTier.objects.get_or_create(
                    name=name,
                    defaults={
                        "min_volume_30d": Decimal(volume),
                        "maker_rate": Decimal(maker),
                        "taker_rate": Decimal(taker),
                    },
                )
                self._say(f"fee tier {name}", created)
            users = get_user_model().objects
            for username in DEMO_USERS:
                user = users.filter(username=username).first()
                if user is None:
                    password = secrets.token_urlsafe(12)
                    user = users.create_user(username=username, password=password)
                    self.stdout.write(f"user {username}: created, password {password}")
                else:
                    self.stdout.write(f"user {username}: exists")
                for asset, amount in DEMO_FUNDS:
                    transfer_request(
                        user=user,
                        kind="credit",
                        asset=asset,
                        amount=amount,
                        transfer_id=f"demo-{username}-{asset}",
                    )
                self.stdout.write(
                    f"user {username}: funded with "
                    + ", ".join(f"{amount} {asset}" for asset, amount in DEMO_FUNDS)
                    + " (the matcher takes the deposits in when it runs)"
                )
                if not user.api_keys.exists():
                    api_key, secret = api_key_create(user=user, name="demo")
                    self.stdout.write(
                        f"user {username}: API key {api_key.key}, secret {secret} (shown once)"
                    )
            if not users.filter(username="admin").exists():
                password = secrets.token_urlsafe(12)
                users.create_superuser(username="admin", password=password, email="")
                self.stdout.write(f"admin: created, password {password} (/admin/)")

    def _say(self, what: str, created: bool) -> None:
        self.stdout.write(f"{what}: {'created' if created else 'exists'}")
