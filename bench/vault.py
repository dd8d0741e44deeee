"""Vault scan cost: a no-change cycle over a large vault must read no unchanged note.

Builds a vault of N notes (default 10,000; a tenth of them hold synced tasks) in a temporary
folder and times three task-snapshot cycles of the markdown connector: the first (cold: every
note read, new tasks anchored), a no-change cycle in the same process, and a no-change cycle
in a new process that loads the saved scan cache. Prints files read, files stat'ed, tasks and
the cycle time for each.

    python bench/vault.py [--notes 10000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from omisync.connectors.markdown import MarkdownOptions, MarkdownSide
from omisync.sync import Kind

LOREM = "Some prose about the day, a [[link]] and a #tag that is not ours.\n"


def build_vault(root: Path, notes: int) -> None:
    """Write ``notes`` notes in 100 folders; every tenth note holds two #omi tasks."""
    for index in range(notes):
        folder = root / f"Area {index % 100:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        body = [f"# Note {index}\n", LOREM * 5, "- [ ] an ordinary task\n"]
        if index % 10 == 0:
            body.append(f"- [ ] synced task {index} #omi 📅 2026-01-{index % 28 + 1:02d}\n")
            body.append(f"- [x] finished task {index} #omi ✅ 2025-12-01\n")
        (folder / f"Note {index}.md").write_text("".join(body), encoding="utf-8")


def cycle(side: MarkdownSide, label: str) -> None:
    """One task snapshot, with the scanner's own counts for it."""
    started = time.perf_counter()
    snapshot = side.snapshot(Kind.TASK)
    seconds = time.perf_counter() - started
    scan = side.tasks.last_scan
    assert scan is not None
    print(
        f"{label:<28} files read {scan.files_read:>6}   files stat'ed {scan.files_statted:>6}"
        f"   tasks {len(snapshot.items):>5}   complete {snapshot.complete!s:<5}"
        f"   cycle {seconds * 1000:8.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        vault = Path(temp) / "vault"
        cache = Path(temp) / "scan-cache.json"
        build_vault(vault, args.notes)
        options = MarkdownOptions.parse({"path": str(vault), "settle": 0})
        zone = ZoneInfo("UTC")
        print(f"vault: {args.notes} notes")
        side = MarkdownSide("bench", options, zone=zone)
        cycle(side, "first cycle (cold)")
        cycle(side, "no-change cycle")
        side.tasks.scanner.save_cache(cache)
        restarted = MarkdownSide("bench", options, zone=zone)
        restarted.tasks.scanner.load_cache(cache)
        cycle(restarted, "no-change, new process")


if __name__ == "__main__":
    main()
