"""Bulk creates through the Omi client against the emulator's ``docs`` rate-limit profile.

Creates ``--n`` action items and ``--n`` memories through the batch endpoints and prints the
requests made against the minimum (ceil(n/50) + ceil(n/25)), the 429s the server sent, the
achieved request rate as a fraction of the limit, and the elapsed time. Targets: requests =
minimum, zero 429s, a steady-state rate >= 90% of the limit.

The steady-state rate leaves out the first window: its requests go out at once as a burst,
so counting them would let a short run pass 100% of the limit. It is (requests - one window's
allowance) / elapsed, which no limiter can push above 100% without drawing 429s. The
all-requests rate is still printed. The default ``--n`` (20,000, 1,200 requests) keeps the
burst a small part of the run, which takes about 12 s at the default rate.

The emulator runs in its own process (``omisync emulator``) so the client and the server do
not share an interpreter; its doc limits (100/min per key, 10,000/day) are scaled to
``--rate`` requests per second over ``--window`` second windows, and the client's limiter is
given the same numbers (default 100 per second). A limiter can only be measured while the
server is not the bottleneck: on a slow machine, lower ``--rate``.

    .venv/bin/python bench/omi_bulk.py --n 20000
"""

from __future__ import annotations

import argparse
import math
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from omisync.omi import (
    ACTION_ITEM_BATCH_MAX,
    MEMORY_BATCH_MAX,
    NewActionItem,
    NewMemory,
    OmiClient,
)
from omisync.ratelimit import Limit, RateLimiter, RateLimits, WaitNotice

DOC_PER_MINUTE = 100
DOC_PER_DAY = 10_000


@dataclass(frozen=True)
class Emulator:
    base_url: str
    api_key: str
    admin_token: str

    def stats(self) -> dict[str, object]:
        root = self.base_url.removesuffix("/v1/dev")
        response = httpx.get(
            f"{root}/_emulator/stats",
            headers={"Authorization": f"Bearer {self.admin_token}"},
            timeout=30,
        )
        response.raise_for_status()
        stats: dict[str, object] = response.json()
        return stats


@contextmanager
def emulator_process(window_scale: float, limit_scale: float) -> Iterator[Emulator]:
    """Start ``omisync emulator`` with the scaled ``docs`` profile; stop it afterwards."""
    admin_token = "bench-" + secrets.token_hex(16)
    command = [
        sys.executable,
        "-m",
        "omisync",
        "emulator",
        "--port",
        "0",
        "--profile",
        "docs",
        "--rate-window-scale",
        repr(window_scale),
        "--rate-limit-scale",
        repr(limit_scale),
        "--admin-token",
        admin_token,
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        assert process.stdout is not None
        found: dict[str, str] = {}
        while len(found) < 2:
            line = process.stdout.readline()
            if not line:
                raise SystemExit("the emulator exited before printing OMI_BASE_URL/OMI_API_KEY")
            name, _, value = line.strip().partition("=")
            if name in ("OMI_BASE_URL", "OMI_API_KEY"):
                found[name] = value
        yield Emulator(found["OMI_BASE_URL"], found["OMI_API_KEY"], admin_token)
    finally:
        process.terminate()
        process.wait(timeout=10)


def steady_state_rate(requests: int, per_window: int, elapsed: float) -> float:
    """Requests per second beyond the first window's allowance (which goes out as a burst at
    the start); 0.0 when the run fitted in one window. At most the limit for a run with no
    429s, since the last request cannot go out before ``(requests / per_window - 1)``
    windows have passed."""
    beyond_first = requests - per_window
    return beyond_first / elapsed if beyond_first > 0 and elapsed > 0 else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="items of each kind (default 20000)")
    parser.add_argument(
        "--rate", type=float, default=100.0, help="the limit, requests per second (default 100)"
    )
    parser.add_argument(
        "--window", type=float, default=1.0, help="the limit's window in seconds (default 1)"
    )
    args = parser.parse_args()

    per_window = round(args.rate * args.window)
    window_scale = args.window / 60
    limit_scale = per_window / DOC_PER_MINUTE
    limits = RateLimits(
        shared={
            "per_minute": Limit(per_window, args.window),
            "per_day": Limit(int(DOC_PER_DAY * limit_scale), 86_400 * window_scale),
        }
    )
    waits: list[WaitNotice] = []
    limiter = RateLimiter("omi", limits, on_wait=waits.append)
    minimum = math.ceil(args.n / ACTION_ITEM_BATCH_MAX) + math.ceil(args.n / MEMORY_BATCH_MAX)

    with emulator_process(window_scale, limit_scale) as emulator:
        with OmiClient(emulator.base_url, emulator.api_key, limiter=limiter) as client:
            started = time.perf_counter()
            items = client.action_items.create_batch(
                [NewActionItem(f"Bench task {i}") for i in range(args.n)]
            )
            memories = client.memories.create_batch(
                [NewMemory(f"Bench memory {i}") for i in range(args.n)]
            )
            elapsed = time.perf_counter() - started
        stats = emulator.stats()

    by_status = stats["by_status"]
    assert isinstance(by_status, dict)
    requests = int(str(stats["total"]))
    refused = int(by_status.get("429", 0))
    achieved = requests / elapsed
    steady = steady_state_rate(requests, per_window, elapsed)
    fraction = steady / args.rate
    print(f"created:            {len(items)} action items, {len(memories)} memories")
    print(f"limit:              {per_window} requests per {args.window:g} s ({args.rate:g}/s)")
    print(f"requests made:      {requests} (minimum {minimum})")
    print(f"429s received:      {refused}")
    print(f"limiter waits:      {len(waits)} ({sum(w.seconds for w in waits):.2f} s)")
    print(f"elapsed:            {elapsed:.2f} s")
    print(f"steady-state rate:  {steady:.2f} requests/s = {fraction:.1%} of the limit")
    print(f"                    (the first window's {per_window} requests, a burst, left out)")
    print(
        f"all-requests rate:  {achieved:.2f} requests/s = {achieved / args.rate:.1%} of the limit"
    )
    fastest = (math.ceil(requests / per_window) - 1) * args.window
    print(
        f"vs fastest allowed: {requests} requests need >= {fastest:.2f} s in {args.window:g} s "
        f"windows; took {elapsed:.2f} s ({fastest / elapsed:.1%}; server latency included)"
    )
    ok = requests == minimum and refused == 0 and fraction >= 0.9
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
