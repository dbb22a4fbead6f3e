"""`setup`: load users with funded trading keys, printed as the JSON list `run --keys` reads.

Runs Django against the server's database (DATABASE_URL, the same settings as the server).
Users `<prefix>-001`, `<prefix>-002`, ... are made if missing; each run gives each of them a
new trade-permission API key (secrets are shown once, so earlier keys cannot be printed
again; they stay valid). Deposits go through the matcher like `manage.py credit`, with the
transfer id `<prefix>-<user>-<asset>`: a second setup credits nothing more.
"""

from __future__ import annotations

import os


class SetupFailed(RuntimeError):
    """A user could not be made or funded (the message says why)."""


def django_setup() -> None:
    """Django with the exchange's settings (the environment picks the database)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exchange.settings")
    import django

    django.setup()


def username(prefix: str, number: int) -> str:
    return f"{prefix}-{number:03d}"


def create_load_users(
    *,
    users: int,
    prefix: str = "load",
    symbol: str = "BTC-USDT",
    quote_amount: str = "1000000000",
    base_amount: str = "100000",
    wait: float = 15,
) -> list[dict]:
    """Makes (or finds) the users, funds them once and returns a new key for each as
    `[{"key", "secret", "user"}]`. SetupFailed if the market is unknown or a deposit is
    refused or still pending after `wait` seconds (is the matcher running?)."""
    from django.contrib.auth import get_user_model

    from accounts.api_keys import api_key_create
    from accounts.models import ApiKey, Transfer
    from accounts.transfers import TransferError, transfer_request, transfer_wait
    from exchange.models import Market

    market = Market.objects.filter(symbol=symbol.upper()).first()
    if market is None:
        raise SetupFailed(f"no market {symbol!r} in the database")
    amounts = {market.quote: quote_amount, market.base: base_amount}
    owners, transfers = [], []
    for number in range(1, users + 1):
        owner, created = get_user_model().objects.get_or_create(username=username(prefix, number))
        if created:
            owner.set_unusable_password()
            owner.save(update_fields=["password"])
        owners.append(owner)
        for asset, amount in amounts.items():
            try:
                transfers.append(
                    transfer_request(
                        user=owner,
                        kind=Transfer.Kind.CREDIT,
                        asset=asset,
                        amount=amount,
                        transfer_id=f"{prefix}-{owner.username}-{asset}",
                    )
                )
            except TransferError as error:
                raise SetupFailed(f"{owner.username} {asset}: {error}") from None
    for transfer in transfers:
        transfer = transfer_wait(transfer, timeout=wait)
        what = f"deposit {transfer.transfer_id} ({transfer.amount} {transfer.asset})"
        if transfer.status == Transfer.Status.PENDING:
            raise SetupFailed(
                f"{what} still pending after {wait:g} s: is the matcher (runexchange or"
                " run_matcher) running on this database?"
            )
        if transfer.status == Transfer.Status.REFUSED:
            raise SetupFailed(f"{what} refused by the matcher: {transfer.reason}")
    keys = []
    for owner in owners:
        api_key, secret = api_key_create(
            user=owner, name="loadgen", permission=ApiKey.Permission.TRADE
        )
        keys.append({"key": api_key.key, "secret": secret, "user": owner.username})
    return keys
