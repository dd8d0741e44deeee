"""Vault scan cost: a no-change cycle over a large vault must read no unchanged note.

Builds a vault of N notes (default 10,000; a tenth of them hold synced tasks) plus a memories
folder and a conversations folder, and a config with only ``type: markdown`` and ``path`` (the
default options: the scan cache lives in the state folder). Each cycle runs in a new process,
as ``omisync run --once`` from a timer does: it builds the vault side the way a sync session
does, lists the inbox, the tasks and the memory notes, and prints files read, files stat'ed and
the cycle time. The first cycle is cold (every note read, new tasks anchored); the next ones
start from the cache saved in the default location.

    python bench/vault.py [--notes 10000] [--memories 500] [--conversations 500]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from omisync.config import load_config
from omisync.connectors.markdown import MarkdownSide
from omisync.plugins import connector_types, options_model
from omisync.session import Session
from omisync.sync import Kind

LOREM = "Some prose about the day, a [[link]] and a #tag that is not ours.\n"
CONNECTOR = "vault"


def build_vault(root: Path, notes: int, memories: int, conversations: int) -> None:
    """Write the vault: ``notes`` notes in 100 folders (every tenth holds two #omi tasks),
    ``memories`` memory notes and ``conversations`` conversation notes; every file is dated a
    minute ago, so none is still settling."""
    files: dict[Path, str] = {}
    for index in range(notes):
        body = [f"# Note {index}\n", LOREM * 5, "- [ ] an ordinary task\n"]
        if index % 10 == 0:
            body.append(f"- [ ] synced task {index} #omi 📅 2026-01-{index % 28 + 1:02d}\n")
            body.append(f"- [x] finished task {index} #omi ✅ 2025-12-01\n")
        files[root / f"Area {index % 100:02d}" / f"Note {index}.md"] = "".join(body)
    for index in range(memories):
        files[root / "Omi/Memories" / f"Memory {index}.md"] = (
            f"---\ncategory: system\ntags: [bench]\n---\nRemembers fact number {index}.\n"
        )
    for index in range(conversations):
        files[root / "Omi/Conversations" / f"Conversation {index}.md"] = (
            f"---\nomi_conversation: conv-{index}\n---\n# Talk {index}\n\n- [ ] said task #omi\n"
        )
    past = time.time() - 60
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        os.utime(path, (past, past))


def write_config(folder: Path, vault: Path) -> Path:
    """A config with the markdown connector's two required lines and nothing else of it."""
    config = folder / "config.yaml"
    config.write_text(
        f"omi:\n  api_key: omi_dev_bench_key_never_sent\n  timezone: UTC\n"
        f"state:\n  path: {folder / 'state' / 'state.db'}\n"
        f"connectors:\n  {CONNECTOR}:\n    type: markdown\n    path: {vault}\n",
        encoding="utf-8",
    )
    config.chmod(0o600)
    return config


def cycle(side: MarkdownSide) -> dict[str, float]:
    """One listing cycle of the vault side (inbox, tasks, memory notes) and its figures."""
    started = time.perf_counter()
    side.inbox_pending()
    tasks = side.snapshot(Kind.TASK)
    notes = side.snapshot(Kind.NOTE)
    seconds = time.perf_counter() - started
    scan, listing = side.tasks.last_scan, side.notes.last_listing
    assert scan is not None
    return {
        "read": scan.files_read + listing.files_read,
        "statted": scan.files_statted + listing.files_statted,
        "tasks": len(tasks.items),
        "memories": len(notes.items),
        "complete": tasks.complete and notes.complete,
        "ms": seconds * 1000,
    }


def child(config_path: Path, cycles: int) -> None:
    """Run ``cycles`` cycles in this process, with the side a sync session builds."""
    config = load_config(config_path, options_schema=options_model, known_types=connector_types)
    with Session(config) as session:
        side = session.peer_side(CONNECTOR)
        assert isinstance(side, MarkdownSide)
        for _ in range(cycles):
            print(json.dumps(cycle(side)), flush=True)


def in_new_process(config: Path, cycles: int = 1) -> list[dict[str, float]]:
    result = subprocess.run(
        [sys.executable, __file__, "--cycle", str(config), "--cycles", str(cycles)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"the cycle process failed:\n{result.stderr}")
    return [json.loads(line) for line in result.stdout.splitlines()]


def show(label: str, figures: dict[str, float]) -> None:
    print(
        f"{label:<34} files read {figures['read']:>6.0f}   files stat'ed {figures['statted']:>6.0f}"
        f"   tasks {figures['tasks']:>5.0f}   memories {figures['memories']:>4.0f}"
        f"   complete {bool(figures['complete'])!s:<5}   cycle {figures['ms']:8.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--memories", type=int, default=500)
    parser.add_argument("--conversations", type=int, default=500)
    parser.add_argument("--cycle", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cycles", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cycle is not None:
        child(args.cycle, args.cycles)
        return
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        vault = folder / "vault"
        build_vault(vault, args.notes, args.memories, args.conversations)
        config = write_config(folder, vault)
        print(
            f"vault: {args.notes} notes, {args.memories} memory notes, "
            f"{args.conversations} conversation notes; config: only type and path"
        )
        [cold] = in_new_process(config)
        show("first cycle (cold, new process)", cold)
        restarted, again = in_new_process(config, cycles=2)
        show("no-change cycle, new process", restarted)
        show("no-change cycle, same process", again)
        cache = folder / "state" / "vault-cache" / f"{CONNECTOR}.json"
        print(f"scan cache: {cache.relative_to(folder)} ({cache.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
