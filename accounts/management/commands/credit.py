"""`manage.py credit USER ASSET AMOUNT`: a deposit, through the matching engine."""

from accounts.management.commands._transfer import TransferCommand


class Command(TransferCommand):
    help = "Deposits AMOUNT of ASSET for USER (through the matcher, into the ledger)."
    kind = "credit"
