"""`manage.py audit_verify`: checks the audit trail's hash chain and that each matcher
shard's journal agrees with the orders, trades and ledger in the database. Prints `ok` and
exits 0, or prints the first entry that does not hold and exits 1."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audit.journal_check import journal_check
from audit.verify_chain import chain_problem
from exchange.models import MatcherState


class Command(BaseCommand):
    help = (
        "Checks the audit trail's SHA-256 chain and that the matchers' journals agree with "
        "the database; prints `ok`, or the first entry that does not hold (exit status 1)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--data-dir", type=Path, default=None,
                            help="where the journals are (default: EXCHANGE_DATA_DIR)")  # fmt: skip
        parser.add_argument("--archive-dir", type=Path, default=None,
                            help="pruned journal segments (default: "
                                 "EXCHANGE_JOURNAL_ARCHIVE_DIR)")  # fmt: skip
        parser.add_argument("--shard", action="append", dest="shards", default=None,
                            help="check this shard's journal only (repeatable)")  # fmt: skip
        parser.add_argument("--chain-only", action="store_true",
                            help="check the audit chain, not the journals")  # fmt: skip

    def handle(self, *args, **options) -> None:
        problem = chain_problem()
        if problem:
            self._fail(f"audit trail: {problem}")
        if not options["chain_only"]:
            self._check_journals(options)
        self.stdout.write("ok")

    def _check_journals(self, options) -> None:
        data_dir = options["data_dir"] or Path(settings.EXCHANGE_DATA_DIR)
        archive = options["archive_dir"] or (settings.EXCHANGE_JOURNAL_ARCHIVE_DIR or None)
        states = MatcherState.objects.order_by("number")
        if options["shards"] is not None:
            states = states.filter(shard__in=options["shards"])
        for state in states:
            check = journal_check(state, data_dir=data_dir, archive_dir=archive and Path(archive))
            for note in check.notes:
                self.stderr.write(f"journal of shard {check.name}: {note}")
            if check.problem:
                self._fail(f"journal of shard {check.name}: {check.problem}")
            if check.to_seq > check.from_seq:
                self.stderr.write(
                    f"journal of shard {check.name}: seq {check.from_seq + 1} to {check.to_seq} "
                    f"agree ({check.trades} trades, {check.orders} orders, "
                    f"{check.ledger_entries} ledger entries)"
                )

    def _fail(self, message: str) -> None:
        self.stdout.write(message)
        raise CommandError(message, returncode=1)
