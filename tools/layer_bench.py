"""How many commands a second the matcher process takes when fed over the Channels layer.

    python -m tools.layer_bench prefill --commands 100000 [--rate 10000]
    python -m tools.layer_bench closed --seconds 20 --senders 2 --inflight 400

Run it with the environment of a running `run_matcher` (DATABASE_URL, REDIS_URL, a market
such as bootstrap_demo's BTC-USDT). Commands are `new` limit orders (some crossing, most
resting) and cancels of resting ones, sent as the web processes send them
(matching/protocol.py), by users the tool makes and funds.

`prefill` measures the matcher alone: it serializes every command first, then pushes them
onto the matcher's channel in pipelined chunks (all at once, or `--rate` a second, to see
the persister's lag at that rate), and times until the reply to a `status` sent last
arrives (the channel is first in, first out); the client costs almost nothing while the
matcher works, which matters on a 2-core machine. `closed` keeps `--inflight`
commands in flight from each of `--senders` processes and reports the latency they saw.
One JSON line: commands per second, and the matcher's own figures (the `metrics` command).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import sys
import time
import uuid
from decimal import Decimal

from matching.service.rolling import percentile

FUNDS = {"USDT": "1000000000000", "BTC": "100000000"}


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exchange.settings")
    import django

    django.setup()


def _bench_user(index: int) -> int:
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(username=f"layer-bench-{index}")
    return user.pk


async def _sender(index: int, symbol: str, seconds: float, inflight: int, seed: int) -> dict:
    from asgiref.sync import sync_to_async
    from channels.layers import get_channel_layer

    from exchange.models import Market
    from matching.service import client
    from matching.service.protocol import matcher_channel, now_ms, request

    market = await Market.objects.aget(symbol=symbol)
    user = await sync_to_async(_bench_user)(index)
    run = uuid.uuid4().hex[:8]
    for asset, amount in FUNDS.items():
        transfer = {"op": "credit", "transfer_id": f"lb-{run}-{asset}", "user": user}
        await client.call({**transfer, "asset": asset, "amount": amount}, shard=market.shard)

    layer = get_channel_layer()
    channel = matcher_channel(market.shard)
    reply_to = await layer.new_channel()
    rng = random.Random(seed + index)
    tick, lot = market.tick_size, market.lot_size
    mid = Decimal(50000)
    resting: list[int] = []
    sent_at: dict[int, float] = {}
    latencies: list[float] = []
    counter = iter(range(1, 1 << 62))
    deadline_ms = 30_000

    def command() -> dict:
        if resting and rng.random() < 0.3:
            order_id = resting.pop(rng.randrange(len(resting)))
            return {"op": "cancel", "user": user, "id": order_id}
        side = rng.choice(("buy", "sell"))
        offset = rng.randint(-5, 20) * tick
        price = mid - offset if side == "buy" else mid + offset
        return {
            "op": "new", "user": user, "symbol": symbol, "side": side, "type": "limit",
            "price": str(price), "quantity": str(lot * rng.randint(1, 50)),
        }  # fmt: skip

    async def send_one() -> None:
        req = next(counter)
        sent_at[req] = time.perf_counter()
        await layer.send(channel, request(command(), reply_to, now_ms() + deadline_ms, req))

    started = time.perf_counter()
    stop_at = started + seconds
    await asyncio.gather(*(send_one() for _ in range(inflight)))
    answered = 0
    pending: set[asyncio.Future] = set()
    while sent_at:
        reply = await layer.receive(reply_to)
        latencies.append(time.perf_counter() - sent_at.pop(reply["req"]))
        answered += 1
        order_id = reply.get("order_id")
        if order_id is not None and any(
            e.get("kind") == "order" and e.get("order_id") == order_id and e.get("status") == "new"
            for e in reply["events"]
        ):
            resting.append(order_id)
        if time.perf_counter() < stop_at:  # sent meanwhile: the next reply need not wait
            sending = asyncio.ensure_future(send_one())
            pending.add(sending)
            sending.add_done_callback(pending.discard)
    elapsed = time.perf_counter() - started
    return {"answered": answered, "elapsed": elapsed, "latencies": latencies}


async def _prefill(
    symbol: str, commands: int, users: int, seed: int, rate: float | None = None
) -> dict:
    from asgiref.sync import sync_to_async
    from channels.layers import get_channel_layer

    from exchange.models import Market
    from matching.service import client
    from matching.service.protocol import matcher_channel, now_ms, request

    market = await Market.objects.aget(symbol=symbol)
    user_ids = [await sync_to_async(_bench_user)(index) for index in range(users)]
    run = uuid.uuid4().hex[:8]
    for user in user_ids:
        for asset, amount in FUNDS.items():
            transfer = {"op": "credit", "transfer_id": f"lb-{run}-{user}-{asset}", "user": user}
            await client.call({**transfer, "asset": asset, "amount": amount}, shard=market.shard)
    status = (await client.call({"op": "status"}, shard=market.shard))["events"][0]
    layer = get_channel_layer()
    reply_to = await layer.new_channel()
    rng = random.Random(seed)
    tick, lot, mid = market.tick_size, market.lot_size, Decimal(50000)
    # a `new` gets id base + seq: with nothing else in between, the k-th command's order id
    # is the status's seq + k (a cancel of a mispredicted id is still a command, refused)
    next_id = status["last_seq"] + 1
    resting: list[tuple[int, int]] = []
    deadline = now_ms() + 600_000
    payloads = []
    for k in range(commands):
        if resting and rng.random() < 0.3:
            order_id, user = resting.pop(rng.randrange(len(resting)))
            command = {"op": "cancel", "user": user, "id": order_id}
        else:
            side, user = rng.choice(("buy", "sell")), rng.choice(user_ids)
            offset = rng.randint(-5, 20) * tick
            command = {
                "op": "new", "user": user, "symbol": symbol, "side": side, "type": "limit",
                "price": str(mid - offset if side == "buy" else mid + offset),
                "quantity": str(lot * rng.randint(1, 50)),
            }  # fmt: skip
            if offset > 0:
                resting.append((next_id + k, user))
        payloads.append(layer.serialize(request(command, None, deadline, k)))
    key = layer.prefix + matcher_channel(market.shard)
    connection = layer.connection(0)
    # all at once, or `rate` a second in twentieths of a second
    chunk = 5000 if rate is None else max(1, int(rate / 20))
    started = time.perf_counter()
    for number, first in enumerate(range(0, len(payloads), chunk)):
        if rate is not None:
            await asyncio.sleep(max(0.0, started + number * chunk / rate - time.perf_counter()))
        now = time.time()
        await connection.zadd(key, {data: now for data in payloads[first : first + chunk]})
    pushed = time.perf_counter()
    await layer.send(
        matcher_channel(market.shard),
        request({"op": "status"}, reply_to, now_ms() + 600_000, "last"),
    )
    final = (await layer.receive(reply_to))["events"][0]
    elapsed = time.perf_counter() - started
    return {
        "mode": "prefill",
        "rate": rate,
        "commands": commands,
        "journaled": final["last_seq"] - status["last_seq"],
        "push_seconds": round(pushed - started, 3),
        "seconds": round(elapsed, 3),
        "commands_per_second": round(commands / elapsed, 1),
    }


def _run_sender(args: tuple) -> dict:
    _setup_django()
    return asyncio.run(_sender(*args))


def _matcher_report(symbol: str) -> dict:
    _setup_django()
    from exchange.models import Market
    from matching.service import client

    shard = Market.objects.get(symbol=symbol).shard
    report = client.call_sync({"op": "metrics"}, shard=shard, timeout_ms=5000)["events"][0]
    report.pop("prometheus", None)
    return report


def _closed(args) -> dict:
    jobs = [(i, args.symbol, args.seconds, args.inflight, args.seed) for i in range(args.senders)]
    with multiprocessing.get_context("spawn").Pool(args.senders) as pool:
        results = pool.map(_run_sender, jobs)
    latencies = sorted(latency for result in results for latency in result["latencies"])
    answered = sum(result["answered"] for result in results)
    elapsed = max(result["elapsed"] for result in results)
    return {
        "mode": "closed",
        "senders": args.senders,
        "inflight_each": args.inflight,
        "seconds": round(elapsed, 3),
        "commands": answered,
        "commands_per_second": round(answered / elapsed, 1),
        "latency_ms": {
            name: round(percentile(latencies, fraction) * 1000, 3)
            for name, fraction in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99), ("max", 1.0))
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.layer_bench", description=__doc__)
    modes = parser.add_subparsers(dest="mode", required=True)
    prefill = modes.add_parser("prefill", help="the matcher alone, fed a prepared backlog")
    prefill.add_argument("--commands", type=int, default=100_000)
    prefill.add_argument("--users", type=int, default=20)
    prefill.add_argument(
        "--rate", type=float, help="push this many commands a second (default: all at once)"
    )
    closed = modes.add_parser("closed", help="senders keeping commands in flight")
    closed.add_argument("--seconds", type=float, default=20)
    closed.add_argument("--senders", type=int, default=2, help="sender processes")
    closed.add_argument("--inflight", type=int, default=400, help="commands in flight each")
    for mode in (prefill, closed):
        mode.add_argument("--symbol", default="BTC-USDT")
        mode.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.mode == "closed":
        if not 1 <= args.inflight <= 900:
            parser.error("--inflight is 1 to 900 (a reply channel holds at most 1000 messages)")
        report = _closed(args)
    else:
        _setup_django()
        report = asyncio.run(_prefill(args.symbol, args.commands, args.users, args.seed, args.rate))
    report["matcher"] = _matcher_report(args.symbol)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
