"""Benchmark plan(): time and peak memory for 1k, 10k and 100k links with 1% changed.

Run: .venv/bin/python bench/engine.py [--sizes 1000 10000 100000] [--changed 0.01]

For each size it builds the links and both snapshots (a realistic mix: dues of every kind,
some done), edits ``changed`` of the items (half in Omi, half in the peer) and adds as many
new unlinked items, then times plan() (best of 3, no tracing) and measures its peak memory
with tracemalloc (the inputs are built before tracing starts, then measured on their own).
Target: 100k links under 2 s and 300 MB, growing linearly.
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from omisync.sync import Kind, Link, Plan, Snapshot, SyncOptions, plan, task_projection

DUES = [None, "2025-03-01", "2025-03-01T11:00:00Z", "2025-03-01T09:30:00"]


def build(size: int, changed: float) -> tuple[Snapshot, Snapshot, list[Link]]:
    """Return (omi, peer, links) for ``size`` linked tasks, ``changed`` of them edited."""
    omi_items: dict[str, Any] = {}
    peer_items: dict[str, Any] = {}
    links: list[Link] = []
    for number in range(size):
        fields = task_projection(f"Task number {number}", number % 7 == 0, DUES[number % 4])
        omi_items[f"o{number}"] = fields
        peer_items[f"p{number}"] = dict(fields)
        links.append(
            Link.new(
                f"L{number}",
                "vault",
                Kind.TASK,
                omi_id=f"o{number}",
                peer_id=f"p{number}",
                omi_base=fields,
                peer_base=fields,
            )
        )
    edits = max(1, int(size * changed))
    for number in range(0, size, max(1, size // edits)):
        side = omi_items if number % 2 else peer_items
        key = f"o{number}" if number % 2 else f"p{number}"
        side[key] = {**side[key], "done": not side[key]["done"]}
    for number in range(edits):
        omi_items[f"new-o{number}"] = task_projection(f"New in Omi {number}", False)
        peer_items[f"new-p{number}"] = task_projection(f"New in vault {number}", False)
    omi = Snapshot(Kind.TASK, omi_items, True, max_text_length=500)
    peer = Snapshot(Kind.TASK, peer_items, True)
    return omi, peer, links


def measure(size: int, changed: float) -> dict[str, float]:
    """Return timing and memory figures of planning ``size`` links."""
    options = SyncOptions(timezone="Europe/Berlin")
    omi, peer, links = build(size, changed)

    def run() -> Plan:
        return plan(omi, peer, links, options, connector="vault")

    gc.collect()
    seconds = min(_timed(run) for _ in range(3))
    result = run()
    gc.collect()
    tracemalloc.start()
    run()
    _, plan_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    tracemalloc.start()
    build(size, changed)
    _, input_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "links": size,
        "seconds": seconds,
        "us_per_link": seconds / size * 1e6,
        "plan_mb": plan_peak / 2**20,
        "inputs_mb": input_peak / 2**20,
        "writes": result.write_count,
    }


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    """Print one line of figures per size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--changed", type=float, default=0.01, help="fraction edited (0.01)")
    args = parser.parse_args()
    print(
        f"{'links':>8} {'plan s':>8} {'µs/link':>8} {'plan MB':>8} {'inputs MB':>10} {'writes':>7}"
    )
    for size in args.sizes:
        figures = measure(size, args.changed)
        print(
            f"{figures['links']:>8} {figures['seconds']:>8.3f} {figures['us_per_link']:>8.2f} "
            f"{figures['plan_mb']:>8.1f} {figures['inputs_mb']:>10.1f} {figures['writes']:>7}"
        )


if __name__ == "__main__":
    main()
