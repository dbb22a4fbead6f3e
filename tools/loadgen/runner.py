"""The run: concurrent clients placing and cancelling orders for a bounded time.

Each client has a transport (REST over the shared keep-alive session, or its own WebSocket),
a key (round-robin over the keys given) and its own random stream. Closed loop (default): a
client sends its next order once the last request is answered. Open loop (`rate`): each
client sends at fixed intervals (`clients / rate` seconds apart, staggered between clients)
whether or not earlier orders were answered. After a 201, with probability `cancel_ratio`,
the client cancels one of its own orders that was resting when acknowledged (it may have
filled since: `order_not_open` is then a normal answer).

Nothing new is sent after the deadline; requests in flight are awaited (up to the request
timeout), so every order sent has its outcome in the journal before verification.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from tools.loadgen import cpu, progress
from tools.loadgen.rest import RestApi
from tools.loadgen.rss import rss_all
from tools.loadgen.signing import Signer
from tools.loadgen.stats import CANCEL, CONNECTION_ERROR, PLACE, TIMEOUT, Answer, Recorder
from tools.loadgen.verify import OPEN_STATUSES, Journal, verify
from tools.loadgen.workload import Market, Workload, client_order_prefix, new_run_id
from tools.loadgen.ws import WsTrader, ws_url

DEFAULT_MID = Decimal(50000)
BACKOFF = 0.05  # seconds a closed-loop client pauses after a 429 or a connection error
MAX_IN_FLIGHT = 256  # per open-loop client; beyond it orders are skipped (and counted)
# An order whose outcome is unknown (503 matcher_unavailable, or no answer) is sent again,
# with the same client_order_id, this many times at most, RETRY_PAUSE seconds apart; a 409
# duplicate_client_order_id then means an earlier attempt placed it.
RETRIES = 3
RETRY_PAUSE = 0.5
UNKNOWN_OUTCOMES = frozenset(("matcher_unavailable", TIMEOUT, CONNECTION_ERROR))


class StartFailed(RuntimeError):
    """The run could not begin: the exchange is unreachable, the market unknown, a key
    refused on the socket, ..."""


@dataclass
class Settings:
    """What `run` was asked to do (the CLI's options)."""

    base: str
    keys: list[dict]
    transport: str = "rest"
    clients: int = 20
    duration: float = 10.0
    symbol: str = "BTC-USDT"
    rate: float | None = None
    cancel_ratio: float = 0.3
    mid: Decimal | None = None
    seed: int | None = None
    progress: bool = False
    watch_pids: list[int] = field(default_factory=list)
    watches: list[cpu.Watch] = field(default_factory=lambda: [cpu.own_watch()])
    verify: bool = True
    timeout: float = 10.0
    verify_timeout: float = 15.0


class Client:
    """One simulated trader: its transport, key, random stream and resting orders."""

    def __init__(self, index: int, trader, workload: Workload, recorder: Recorder,
                 journal: Journal, rng: random.Random, cancel_ratio: float) -> None:  # fmt: skip
        self.index = index
        self.trader = trader
        self.workload = workload
        self.recorder = recorder
        self.journal = journal
        self.rng = rng
        self.cancel_ratio = cancel_ratio
        self.sent = 0
        self.resting: list[int] = []

    async def cycle(self, deadline: float) -> Answer:
        """Places one order and, maybe, cancels one resting order; the place's answer."""
        self.sent += 1
        order = self.workload.order(self.rng, self.index, self.sent)
        client_order_id = order["client_order_id"]
        self.journal.placing(client_order_id)
        answer = await self.trader.place(order)
        self.recorder.record(PLACE, answer)
        retries = 0
        while answer.code in UNKNOWN_OUTCOMES and retries < RETRIES:
            if time.perf_counter() + RETRY_PAUSE >= deadline:
                break
            retries += 1
            await asyncio.sleep(RETRY_PAUSE)
            answer = await self.trader.place(order)
            self.recorder.record(PLACE, answer)
            if answer.code == "duplicate_client_order_id":
                self.journal.placed_earlier(client_order_id, answer.body["error"].get("order_id"))
                return answer
        self.journal.placed(client_order_id, answer)
        if answer.status != 201 or not isinstance(answer.body, dict):
            return answer
        if answer.body.get("status") in OPEN_STATUSES:
            self.resting.append(answer.body["order_id"])
        resting = self.resting
        if resting and self.rng.random() < self.cancel_ratio and time.perf_counter() < deadline:
            pick = self.rng.randrange(len(resting))
            resting[pick], resting[-1] = resting[-1], resting[pick]
            order_id = resting.pop()
            cancelled = await self.trader.cancel(order_id)
            self.recorder.record(CANCEL, cancelled)
            self.journal.cancel_answered(order_id, cancelled)
        return answer

    async def closed_loop(self, deadline: float) -> None:
        while time.perf_counter() < deadline:
            answer = await self.cycle(deadline)
            if answer.status == 429 or answer.error == CONNECTION_ERROR:
                await asyncio.sleep(min(BACKOFF, max(0.0, deadline - time.perf_counter())))

    async def open_loop(self, deadline: float, first: float, interval: float) -> None:
        in_flight: set[asyncio.Task] = set()
        due = first
        while due < deadline:
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if len(in_flight) >= MAX_IN_FLIGHT:
                self.recorder.skipped += 1
            else:
                task = asyncio.create_task(self.cycle(deadline))
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
            due += interval
        if in_flight:
            await asyncio.gather(*in_flight)


async def load_market(api: RestApi, symbol: str) -> Market:
    page = await api.get_json("/api/v1/symbols")
    wanted = symbol.upper()
    for row in page["results"]:
        if row["symbol"] == wanted:
            return Market.from_api(row)
    known = ", ".join(row["symbol"] for row in page["results"]) or "none"
    raise StartFailed(f"no market {symbol!r} on the exchange (markets: {known})")


async def market_mid(api: RestApi, symbol: str) -> Decimal | None:
    """The book's mid price, or None when a side is empty or the BBO cannot be read."""
    try:
        bbo = await api.get_json(f"/api/v1/bbo/{quote(symbol)}")
        return Decimal(bbo["mid"]) if bbo.get("mid") else None
    except (RuntimeError, InvalidOperation, KeyError, TypeError, AttributeError):
        return None


async def run(settings: Settings) -> dict:
    """Runs the load and returns the report (verification included unless turned off)."""
    rss_start = rss_all(settings.watch_pids)
    connections = settings.clients if settings.transport == "rest" else 4
    api = RestApi(settings.base, connections, settings.timeout)
    try:
        return await _run(settings, api, rss_start)
    finally:
        await api.close()


async def _run(settings: Settings, api: RestApi, rss_start: dict) -> dict:
    try:
        market = await load_market(api, settings.symbol)
    except (RuntimeError, KeyError, TypeError) as error:
        raise StartFailed(str(error)) from None
    mid = settings.mid or await market_mid(api, market.symbol) or DEFAULT_MID
    run_id = new_run_id()
    workload = Workload(market, mid, client_order_prefix(run_id))
    signers = [Signer(key["key"], key["secret"]) for key in settings.keys]
    used = signers[: settings.clients]
    recorder, journal = Recorder(), Journal(workload.prefix)
    seed = settings.seed if settings.seed is not None else random.randrange(2**32)
    clients = []
    for index in range(settings.clients):
        signer = signers[index % len(signers)]
        if settings.transport == "ws":
            trader = WsTrader(ws_url(settings.base), signer, settings.timeout)
        else:
            trader = api.trader(signer)
        rng = random.Random(f"{seed}-{index}")
        clients.append(
            Client(index, trader, workload, recorder, journal, rng, settings.cancel_ratio)
        )
    if settings.transport == "rest":  # the socket's `auth` checks the keys; here a read does
        for signer in {signer.key: signer for signer in used}.values():
            try:
                await api.get_json("/api/v1/account/balances", signer)
            except RuntimeError as error:
                raise StartFailed(f"key {signer.key[:8]}...: {error}") from None
    try:
        await asyncio.gather(*(client.trader.start() for client in clients))
    except Exception as error:
        await asyncio.gather(*(c.trader.close() for c in clients), return_exceptions=True)
        raise StartFailed(
            f"cannot open the {settings.transport} clients: {type(error).__name__}: {error}"
        ) from None

    since = datetime.now(UTC)
    cpu_start = cpu.Snapshot.take()
    started = time.perf_counter()
    deadline = started + settings.duration
    bar = None
    if settings.progress:
        bar = asyncio.create_task(
            progress.show(settings.duration, started, lambda: recorder.ok[PLACE])
        )
    try:
        if settings.rate:
            interval = settings.clients / settings.rate
            loops = [
                c.open_loop(deadline, started + interval * i / settings.clients, interval)
                for i, c in enumerate(clients)
            ]
        else:
            loops = [c.closed_loop(deadline) for c in clients]
        await asyncio.gather(*loops)
    finally:
        elapsed = time.perf_counter() - started
        cpu_end = cpu.Snapshot.take()
        if bar is not None:
            bar.cancel()
            await asyncio.gather(bar, return_exceptions=True)
        await asyncio.gather(*(c.trader.close() for c in clients), return_exceptions=True)
    rss_end = rss_all(settings.watch_pids)

    figures = recorder.report(elapsed)
    cpu_report = cpu.cpu_report(
        settings.watches,
        cpu_start,
        cpu_end,
        orders=figures["orders"]["ok"],
        requests=sum(recorder.statuses.values()),
        elapsed=elapsed,
        self_pid=os.getpid(),
    )
    report = {
        "transport": settings.transport,
        "clients": settings.clients,
        "duration_s": settings.duration,
        "elapsed_s": round(elapsed, 3),
        "rate": settings.rate,
        "symbol": market.symbol,
        "mid": format(workload.mid, "f"),
        "run_id": run_id,
        "seed": seed,
        **figures,
        "rss_kb": {pid: {"start": rss_start[pid], "end": rss_end[pid]} for pid in rss_start},
        "cpu": cpu_report,
        "verify": None,
    }
    if settings.verify:
        report["verify"] = await verify(
            api, used, market.symbol, journal, since, settings.verify_timeout
        )
    return report
