"""`manage.py debit USER ASSET AMOUNT`: a withdrawal, through the matching engine."""

from accounts.management.commands._transfer import TransferCommand


class Command(TransferCommand):
    help = "Withdraws AMOUNT of ASSET for USER (refused beyond what is available)."
    kind = "debit"
