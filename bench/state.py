"""Bench the state DB: save, load, re-save and delete N links (default 100k) in a temp file.

Run: ``.venv/bin/python bench/state.py [--n 100000]``. Prints seconds and µs per link for each
step. Target: loading and saving 100k links well under a second or two each.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from omisync.state import StateDB
from omisync.sync.links import Kind, Link

T = TypeVar("T")


def make_links(n: int, connector: str) -> list[Link]:
    """N task links with realistic bases (text, due, done, labels) on both sides."""
    return [
        Link(
            link_id=f"link-{i:07d}",
            connector=connector,
            kind=Kind.TASK,
            omi_id=f"omi-{i:07d}",
            peer_id=f"peer-{i:07d}",
            omi_base={
                "text": f"Call the dentist about appointment {i}",
                "done": i % 3 == 0,
                "due": {"kind": "date", "value": "2026-12-01"},
            },
            omi_hash=f"{i:064x}",
            peer_base={
                "text": f"Call the dentist about appointment {i}",
                "done": i % 3 == 0,
                "due": {"kind": "date", "value": "2026-12-01"},
                "labels": ["omi"],
            },
            peer_hash=f"{i + 1:064x}",
        )
        for i in range(n)
    ]


def timed(label: str, n: int, action: Callable[[], T]) -> T:
    """Run ``action``, print its wall time and µs per link, return its result."""
    start = time.perf_counter()
    result = action()
    elapsed = time.perf_counter() - start
    print(f"{label:<28} {elapsed:7.3f} s  {elapsed / n * 1e6:6.2f} µs/link")
    return result


def main() -> None:
    """Parse ``--n`` and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000, help="links to save and load")
    n = parser.parse_args().n
    links = make_links(n, "todoist")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "state.db"
        with StateDB.open(path) as state:
            print(f"state DB {path}, {n} links")
            timed("save (insert)", n, lambda: state.links.save(links))
            timed("save (update all)", n, lambda: state.links.save(links))
            loaded = timed("load", n, lambda: state.links.load("todoist", Kind.TASK))
            assert len(loaded) == n
            timed("delete all", n, lambda: state.links.delete(link.link_id for link in links))
        print(f"file size after delete: {path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
