"""The after-run check: no acknowledged order lost, none duplicated, none made up.

While the run goes, a `Journal` notes every order sent (by client order id) and what came
back. Afterwards each key's orders of the market are read back (GET /api/v1/orders,
status=all, newest first, paging by cursor until the pages are older than the run) and only
those whose client order id has this run's prefix are looked at. The database is written by
the matcher's persister a moment after it answers, so the check is repeated for up to
`timeout` seconds while the listing is still short of what was acknowledged.

The report:
- `acknowledged`: orders answered 201; `found`: distinct orders of the run listed;
- `lost`: client order ids acknowledged but not listed;
- `duplicated`: an order id listed twice for one user, a client order id listed under two
  order ids, or listed under another order id than the one acknowledged;
- `unacknowledged_found`: sent, answered by no status (timeout, connection lost) or a 5xx,
  and listed anyway: not an error, the answer was lost, not the order;
- `rejected_found`: answered 4xx (nothing placed) yet listed;
- `phantom`: listed with this run's prefix but never sent;
- `not_cancelled`: order ids a cancel answered 200 for, not listed as `cancelled`;
- `status_mismatch`: acknowledged already final (filled, cancelled, ...), listed otherwise.
Each list holds at most 20 entries; `<name>_count` has the full number. `ok` is true when all
of these lists are empty.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote

from tools.loadgen.rest import ORDERS_PATH, RestApi
from tools.loadgen.signing import Signer
from tools.loadgen.stats import Answer

LIST_CAP = 20
PAGE = 1000
FINAL_STATUSES = frozenset(("filled", "cancelled", "expired", "rejected"))
OPEN_STATUSES = frozenset(("new", "partially_filled"))
CLOCK_MARGIN = timedelta(seconds=60)  # pages older than the run start by this much: stop
FAILURES = ("lost", "duplicated", "phantom", "rejected_found", "not_cancelled", "status_mismatch")


@dataclass
class Journal:
    """What the run sent and what it was told, for the check."""

    prefix: str
    sent: set[str] = field(default_factory=set)
    # client_order_id -> (order id, status answered; None: placed by an earlier attempt)
    acked: dict[str, tuple[int | None, str | None]] = field(default_factory=dict)
    unacknowledged: set[str] = field(default_factory=set)
    rejected: set[str] = field(default_factory=set)
    cancelled: set[int] = field(default_factory=set)

    def placing(self, client_order_id: str) -> None:
        self.sent.add(client_order_id)

    def placed(self, client_order_id: str, answer: Answer) -> None:
        body = answer.body
        if answer.status == 201 and isinstance(body, dict):
            self.acked[client_order_id] = (body.get("order_id"), body.get("status"))
        elif answer.status is None or answer.status >= 500:
            self.unacknowledged.add(client_order_id)
        else:
            self.rejected.add(client_order_id)

    def placed_earlier(self, client_order_id: str, order_id: int | None) -> None:
        """A repeat of an order whose outcome was unknown met 409: an attempt placed it
        (its status now is not known here)."""
        self.acked[client_order_id] = (order_id, None)

    def cancel_answered(self, order_id: int, answer: Answer) -> None:
        if answer.status == 200:
            self.cancelled.add(order_id)


def _capped(report: dict, name: str, items: list) -> None:
    report[name] = sorted(items, key=str)[:LIST_CAP]
    report[f"{name}_count"] = len(items)


def check(journal: Journal, listings: list[list[dict]]) -> dict:
    """The report for `listings` (each one key's orders of the run, as the API lists them)."""
    duplicated: list = []
    orders: dict[int, dict] = {}
    for listing in listings:
        counts = Counter(order["order_id"] for order in listing)
        duplicated += [f"order {order_id}" for order_id, n in counts.items() if n > 1]
        for order in listing:
            orders[order["order_id"]] = order  # two keys of one user list the same orders
    ids_of: dict[str, set[int]] = {}
    for order_id, order in orders.items():
        ids_of.setdefault(order["client_order_id"], set()).add(order_id)
    duplicated += [cid for cid, ids in ids_of.items() if len(ids) > 1]
    duplicated += [
        f"{cid} acknowledged as {order_id}, listed as {sorted(ids_of[cid])}"
        for cid, (order_id, _) in journal.acked.items()
        if cid in ids_of and ids_of[cid] != {order_id}
    ]
    status_of = {cid: orders[min(ids)]["status"] for cid, ids in ids_of.items()}
    by_id_status = {order_id: order["status"] for order_id, order in orders.items()}
    report = {"acknowledged": len(journal.acked), "found": len(orders)}
    _capped(report, "lost", [cid for cid in journal.acked if cid not in ids_of])
    _capped(report, "duplicated", sorted(set(duplicated)))
    report["unacknowledged"] = len(journal.unacknowledged)
    report["unacknowledged_found"] = sum(cid in ids_of for cid in journal.unacknowledged)
    _capped(report, "rejected_found", [cid for cid in journal.rejected if cid in ids_of])
    _capped(report, "phantom", [cid for cid in ids_of if cid not in journal.sent])
    report["cancelled_ok"] = len(journal.cancelled)
    _capped(
        report,
        "not_cancelled",
        [i for i in journal.cancelled if by_id_status.get(i, "cancelled") != "cancelled"],
    )
    _capped(
        report,
        "status_mismatch",
        [
            f"{cid}: answered {status}, listed {status_of[cid]}"
            for cid, (_, status) in journal.acked.items()
            if status in FINAL_STATUSES and cid in status_of and status_of[cid] != status
        ],
    )
    report["ok"] = not any(report[f"{name}_count"] for name in FAILURES)
    return report


def _settled(report: dict) -> bool:
    """Nothing left that the persister may still be about to write."""
    return not (
        report["lost_count"] or report["not_cancelled_count"] or report["status_mismatch_count"]
    )


async def list_orders(
    api: RestApi, signer: Signer, symbol: str, prefix: str, since: datetime
) -> list[dict]:
    """The key's orders of `symbol` whose client order id starts with `prefix`, reading
    pages until one reaches back before `since` (less a margin for clocks)."""
    found: list[dict] = []
    cursor = None
    stop_before = since - CLOCK_MARGIN
    while True:
        path = f"{ORDERS_PATH}?status=all&symbol={quote(symbol)}&limit={PAGE}"
        if cursor:
            path += f"&cursor={quote(cursor, safe='')}"
        page = await api.get_json(path, signer)
        results = page["results"]
        found += [o for o in results if str(o.get("client_order_id") or "").startswith(prefix)]
        cursor = page.get("next")
        if not cursor or not results:
            return found
        if datetime.fromisoformat(results[-1]["created_at"]) < stop_before:
            return found


async def verify(
    api: RestApi,
    signers: list[Signer],
    symbol: str,
    journal: Journal,
    since: datetime,
    timeout: float = 15,
) -> dict:
    """The check's report (see the module's docstring), repeated until the listing holds
    everything acknowledged, or `timeout` seconds."""
    started = time.monotonic()
    unique = list({signer.key: signer for signer in signers}.values())
    attempts, report, problem = 0, None, None
    while True:
        attempts += 1
        try:
            listings = [
                await list_orders(api, signer, symbol, journal.prefix, since) for signer in unique
            ]
        except (RuntimeError, KeyError, TypeError, ValueError) as error:
            problem = str(error)
        else:
            report, problem = check(journal, listings), None
            if _settled(report):
                break
        if time.monotonic() - started >= timeout:
            break
        await asyncio.sleep(0.5)
    if report is None:
        report = {"ok": False}
    if problem:
        report["error"] = problem
        report["ok"] = False
    report["attempts"] = attempts
    report["seconds"] = round(time.monotonic() - started, 2)
    return report
