"""The progress bar on stderr: seconds elapsed out of the run's duration, live orders/s."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable

from tqdm import tqdm

REFRESH = 0.5  # seconds


def wanted(disabled: bool) -> bool:
    """A bar only when asked for (no `--no-progress`) and stderr is a terminal."""
    return not disabled and sys.stderr.isatty()


async def show(duration: float, started: float, orders_ok: Callable[[], int]) -> None:
    """Redraws the bar every half second until cancelled; the rate is over the last tick."""
    bar = tqdm(
        total=round(duration, 1),
        unit="s",
        file=sys.stderr,
        leave=False,
        dynamic_ncols=True,
        bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f} s{postfix}",
    )
    last_count, last_time = 0, started
    try:
        while True:
            await asyncio.sleep(REFRESH)
            now, count = time.perf_counter(), orders_ok()
            rate = (count - last_count) / max(now - last_time, 1e-9)
            last_count, last_time = count, now
            bar.n = round(min(now - started, duration), 1)
            bar.set_postfix_str(f"{rate:,.0f} orders/s, {count:,} placed", refresh=False)
            bar.refresh()
    finally:
        bar.close()
