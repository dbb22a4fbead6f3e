"""`manage.py create_api_key USER`: a new API key for USER (made if missing), printed once as
`{"key": ..., "secret": ...}`. Works while the exchange runs: keys live in the database."""

from __future__ import annotations

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.api_keys import api_key_create
from accounts.models import ApiKey


class Command(BaseCommand):
    help = "Creates an API key for USER (creating the user if missing) and prints it once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("user", help="username")
        parser.add_argument(
            "--read-only", action="store_true", help="the key may read but not trade"
        )
        parser.add_argument("--name", default="", help="a label for the key")

    def handle(self, *args, user: str, read_only: bool, name: str, **options) -> None:
        users = get_user_model().objects
        with transaction.atomic():
            owner, created = users.get_or_create(username=user)
            if created:
                owner.set_unusable_password()
                owner.save(update_fields=["password"])
            permission = ApiKey.Permission.READ if read_only else ApiKey.Permission.TRADE
            api_key, secret = api_key_create(user=owner, name=name, permission=permission)
        self.stdout.write(json.dumps({"key": api_key.key, "secret": secret}))
