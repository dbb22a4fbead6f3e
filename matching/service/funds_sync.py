"""Funds between the database and the matcher: deposits and withdrawals asked for in the
`Transfer` table, turning funds on, and the matcher's balances for the reconciliation.

Transfers are polled (every second, with the configuration) rather than sent over the
channel layer, so a `manage.py credit` run from another shell reaches the embedded exchange
too, whose in-memory layer cannot carry it. The default shard keeps the funds.
"""

from __future__ import annotations

from accounts.models import Transfer
from exchange.models.fields import plain
from matching.engine import Engine
from matching.engine.risk import AMOUNT_SCALE
from matching.engine.units import format_units

FUNDS_SHARD = ""  # balances live in the default shard's engine
MAX_TRANSFERS = 500  # taken per sync: a flood of requests cannot stall the matcher


def pending_transfers() -> list[dict]:
    """The waiting transfers as engine commands, oldest first."""
    return [
        {
            "op": transfer.kind,
            "transfer_id": transfer.transfer_id,
            "user": transfer.user_id,
            "asset": transfer.asset,
            "amount": plain(transfer.amount),
        }
        for transfer in Transfer.objects.filter(status=Transfer.Status.PENDING).order_by("id")[
            :MAX_TRANSFERS
        ]
    ]


def funds_commands(engine: Engine, transfers: list[dict], sent: set[str]) -> list[dict]:
    """Turns funds on if they are not, then the transfers not sent before (a transfer stays
    pending until the persister records its outcome; it must not be sent twice)."""
    commands = []
    if getattr(engine, "funds", None) is None:
        commands.append({"op": "funds", "enabled": True})
    for command in transfers:
        if command["transfer_id"] not in sent:
            sent.add(command["transfer_id"])
            commands.append(command)
    return commands


def balances_report(engine: Engine) -> dict:
    """Every balance the engine holds, as decimal strings, with the seq they are at."""

    def text(units: int) -> str:
        return plain_units(units, AMOUNT_SCALE)

    return {
        "kind": "balances",
        "seq": engine.seq,
        "balances": [
            [str(account), asset, text(available), text(locked)]
            for account, asset, available, locked in engine.all_balances()
        ],
    }


def plain_units(units: int, scale: int) -> str:
    text = format_units(units, 1, scale)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"
