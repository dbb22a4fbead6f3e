"""How many commands a second the matcher process takes when fed over the Channels layer.

    python -m tools.layer_bench --seconds 20 --senders 2 --inflight 400

Run it with the environment of a running `run_matcher` (DATABASE_URL, REDIS_URL, a market
such as bootstrap_demo's BTC-USDT). Each sender process makes a funded user of its own, then
keeps `--inflight` `new` and `cancel` commands in flight on the matcher's channel, exactly as
the web processes send them (matching/protocol.py), matching replies on one reply channel by
their `req` tag. It prints one JSON line: commands answered per second, the latency each
sender saw (send to reply, ms), and the matcher's own figures (the `metrics` command).
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

from matching.rolling import percentile

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
    from matching import client
    from matching.protocol import matcher_channel, now_ms, request

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
        if time.perf_counter() < stop_at:
            await send_one()
    elapsed = time.perf_counter() - started
    return {"answered": answered, "elapsed": elapsed, "latencies": latencies}


def _run_sender(args: tuple) -> dict:
    _setup_django()
    return asyncio.run(_sender(*args))


def _matcher_report(symbol: str) -> dict:
    _setup_django()
    from exchange.models import Market
    from matching import client

    shard = Market.objects.get(symbol=symbol).shard
    report = client.call_sync({"op": "metrics"}, shard=shard, timeout_ms=5000)["events"][0]
    report.pop("prometheus", None)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.layer_bench", description=__doc__)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--senders", type=int, default=2, help="sender processes")
    parser.add_argument("--inflight", type=int, default=400, help="commands in flight each")
    parser.add_argument("--symbol", default="BTC-USDT")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if not 1 <= args.inflight <= 900:
        parser.error("--inflight is 1 to 900 (a reply channel holds at most 1000 messages)")
    jobs = [(i, args.symbol, args.seconds, args.inflight, args.seed) for i in range(args.senders)]
    with multiprocessing.get_context("spawn").Pool(args.senders) as pool:
        results = pool.map(_run_sender, jobs)
    latencies = sorted(latency for result in results for latency in result["latencies"])
    answered = sum(result["answered"] for result in results)
    elapsed = max(result["elapsed"] for result in results)
    report = {
        "senders": args.senders,
        "inflight_each": args.inflight,
        "seconds": round(elapsed, 3),
        "commands": answered,
        "commands_per_second": round(answered / elapsed, 1),
        "latency_ms": {
            name: round(percentile(latencies, fraction) * 1000, 3)
            for name, fraction in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99), ("max", 1.0))
        },
        "matcher": _matcher_report(args.symbol),
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
