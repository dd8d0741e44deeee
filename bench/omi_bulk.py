"""Bulk creates through the Omi client against the emulator's ``docs`` rate-limit profile.

Creates ``--n`` action items and ``--n`` memories through the batch endpoints and prints the
requests made against the minimum (ceil(n/50) + ceil(n/25)), the 429s the server sent, and
how well the limiter used the budget. Targets: requests = minimum, zero 429s, budget use
>= 90%.

Budget use is the achieved request rate as a fraction of the fastest rate the limit allows,
i.e. ``fastest / elapsed``. ``fastest`` is when an ideal client would have finished: one that
knows the server's fixed windows (each opens with its first request and allows ``L``
requests for ``--window`` seconds), sends each window's allowance back to back, waits for
the next window only when the allowance is spent, and pays for each request exactly what
this run's request cost (its time outside the limiter's sleeps, measured one by one). So the
last window's requests still take their time, which a plain ``R / elapsed`` against
``L / window`` misses (a short run then fails for latency, not for the limiter), and the
first window's burst cannot push the figure past 100%. No client can score above 100%
without 429s; a limiter that under-uses the budget — allows fewer than ``L`` per window,
sleeps longer than it must, or paces evenly instead of using each window's allowance —
finishes later and scores below it. The plain rate is printed too.

To say where a shortfall comes from, the bench also prices a sliding-window client: one that
keeps every ``--window`` long stretch under ``L`` by counting each request when its answer
arrives, as omisync's limiter does (it assumes nothing about where a server's windows
start, so it is safe with any). When
request costs change between windows (a batch of 50 action items costs more than one of 25
memories), such a client replays the slower pace of the window before, which the ideal does
not; the rest of the gap is the limiter's own overhead (slot rounding, oversleeping).

The emulator runs in its own process (``omisync emulator``) so the client and the server do
not share an interpreter; its doc limits (100/min per key, 10,000/day) are scaled to
``--rate`` requests per second over ``--window`` second windows, and the client's limiter is
given the same numbers (default 100 per second). Request costs are priced as measured, so a
slow server does not count against the limiter; but on a loaded machine they vary more from
window to window, which the sliding window pays for: lower ``--rate`` to measure the limiter
rather than the machine.

    .venv/bin/python bench/omi_bulk.py --n 5000
    .venv/bin/python bench/omi_bulk.py --n 20000
"""

from __future__ import annotations

import argparse
import math
import os
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx

from omisync.omi import (
    ACTION_ITEM_BATCH_MAX,
    MEMORY_BATCH_MAX,
    NewActionItem,
    NewMemory,
    OmiClient,
)
from omisync.ratelimit import Limit, RateLimiter, RateLimits

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
    ]
    env = {**os.environ, "OMI_EMULATOR_ADMIN_TOKEN": admin_token}  # not in argv
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
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


@dataclass
class Timeline:
    """When each request ended and when the limiter slept, to price every request.

    ``sleep`` replaces the limiter's sleep; ``transport`` is the client's transport, noting
    the end of each request.
    """

    request_ends: list[float] = field(default_factory=list)
    sleeps: list[tuple[float, float]] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        started = time.perf_counter()
        time.sleep(seconds)
        self.sleeps.append((started, time.perf_counter()))

    def transport(self) -> httpx.BaseTransport:
        ends = self.request_ends

        class Timed(httpx.HTTPTransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                response = super().handle_request(request)
                ends.append(time.perf_counter())
                return response

        return Timed()

    @property
    def slept(self) -> float:
        return sum(end - start for start, end in self.sleeps)

    def costs(self, started: float) -> list[float]:
        """Each request's cost: the time since the previous one ended (or ``started``), less
        the limiter's sleeps in between."""
        costs, previous, sleeps = [], started, iter(self.sleeps)
        pending = next(sleeps, None)
        for end in self.request_ends:
            cost = end - previous
            while pending is not None and pending[1] <= end:
                cost -= pending[1] - pending[0]
                pending = next(sleeps, None)
            costs.append(cost)
            previous = end
        return costs


def fastest_completion(costs: Sequence[float], per_window: int, window: float) -> float:
    """When an ideal client that never draws a 429 finishes requests costing ``costs``,
    sent one after another, under ``per_window`` per fixed ``window`` (a window opens with
    its first request; the client waits only when the window's allowance is spent)."""
    now, opened, used = 0.0, -math.inf, 0
    for cost in costs:
        if now >= opened + window:
            opened, used = now, 0
        elif used == per_window:
            now = opened = opened + window
            used = 0
        now += cost
        used += 1
    return now


def sliding_completion(costs: Sequence[float], per_window: int, window: float) -> float:
    """When a client finishes that sends request ``i`` no earlier than ``window`` after the
    answer to request ``i - per_window`` came back (a sliding window counted at answers)."""
    answered: list[float] = []
    now = 0.0
    for index, cost in enumerate(costs):
        if index >= per_window:
            now = max(now, answered[index - per_window] + window)
        now += cost
        answered.append(now)
    return now


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
    timeline = Timeline()
    limiter = RateLimiter("omi", limits, sleep=timeline.sleep)
    minimum = math.ceil(args.n / ACTION_ITEM_BATCH_MAX) + math.ceil(args.n / MEMORY_BATCH_MAX)

    with emulator_process(window_scale, limit_scale) as emulator:
        new_items = [NewActionItem(f"Bench task {i}") for i in range(args.n)]
        new_memories = [NewMemory(f"Bench memory {i}") for i in range(args.n)]
        with OmiClient(
            emulator.base_url, emulator.api_key, limiter=limiter, transport=timeline.transport()
        ) as client:
            started = time.perf_counter()
            items = client.action_items.create_batch(new_items)
            memories = client.memories.create_batch(new_memories)
            elapsed = time.perf_counter() - started
        stats = emulator.stats()

    by_status = stats["by_status"]
    assert isinstance(by_status, dict)
    requests = int(str(stats["total"]))
    refused = int(by_status.get("429", 0))
    costs = timeline.costs(started)
    fastest = fastest_completion(costs, per_window, args.window)
    use = fastest / elapsed
    plain = requests / elapsed
    print(f"created:            {len(items)} action items, {len(memories)} memories")
    print(f"limit:              {per_window} requests per {args.window:g} s ({args.rate:g}/s)")
    print(f"requests made:      {requests} (minimum {minimum})")
    print(f"429s received:      {refused}")
    print(f"limiter sleeps:     {len(timeline.sleeps)}, {timeline.slept:.2f} s in all")
    print(
        f"request cost:       {statistics.mean(costs) * 1000:.2f} ms mean, "
        f"{statistics.median(costs) * 1000:.2f} ms median (time outside the sleeps)"
    )
    print(f"elapsed:            {elapsed:.2f} s")
    print(f"fastest allowed:    {fastest:.2f} s (an ideal client paying the same request costs)")
    print(
        f"budget use:         {use:.1%} = fastest / elapsed (the achieved {plain:.2f} "
        f"requests/s against the best {requests / fastest:.2f}/s the limit allows)"
    )
    sliding = sliding_completion(costs, per_window, args.window)
    print(
        f"of the gap:         {(sliding - fastest) / elapsed:.1%} from counting a sliding window "
        f"(an exact one would take {sliding:.2f} s), {(elapsed - sliding) / elapsed:.1%} from "
        "the limiter's overhead"
    )
    print(
        f"plain rate:         {plain:.2f} requests/s = {plain / args.rate:.1%} of the limit "
        "(first window's burst and last window's latency included)"
    )
    if len(costs) != requests:
        print(f"WARNING: {len(costs)} request ends timed for {requests} requests")
    ok = requests == minimum and refused == 0 and use >= 0.9
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
