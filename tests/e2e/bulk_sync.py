"""A large first sync to interrupt, and the checks that it converged without duplicates.

Shared by the crash test (SIGKILL) and the stop-signal test (SIGTERM/SIGINT).
"""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from jsonfile_connector import Box, write_box
from run_harness import BOX, SyncHarness

from omisync.state import StateDB
from omisync.sync.links import Kind

#: Added to every Omi batch create, so each stays in flight long enough to be interrupted.
BATCH_LATENCY_MS = 40
RUN_TIMEOUT = 60.0


@dataclass(frozen=True, slots=True)
class Population:
    """How many distinct, never-synced items each side starts with."""

    box_tasks: int
    box_notes: int
    omi_tasks: int
    omi_notes: int

    def seed(self, harness: SyncHarness) -> None:
        """Fill the box and Omi, and slow Omi's batch endpoints down by the batch latency."""
        box: Box = {
            "task": {f"p{n}": {"text": f"Box task {n}"} for n in range(self.box_tasks)},
            "note": {
                f"q{n}": {"text": f"Box note {n}", "tags": ["bulk"]} for n in range(self.box_notes)
            },
        }
        write_box(harness.box_path, box)
        harness.emulator.seed(
            {
                "action_items": [{"description": f"Omi task {n}"} for n in range(self.omi_tasks)],
                "memories": [{"content": f"Omi memory {n}"} for n in range(self.omi_notes)],
            }
        )
        harness.emulator.set_faults(latency_ms=BATCH_LATENCY_MS, path_contains="/batch")
        harness.emulator.clear_stats()

    def texts(self, kind: Kind) -> set[str]:
        """The text of every item of ``kind``, from either side."""
        if kind is Kind.TASK:
            box, omi = (
                (f"Box task {n}" for n in range(self.box_tasks)),
                (f"Omi task {n}" for n in range(self.omi_tasks)),
            )
        else:
            box, omi = (
                (f"Box note {n}" for n in range(self.box_notes)),
                (f"Omi memory {n}" for n in range(self.omi_notes)),
            )
        return {*box, *omi}


def assert_each_once(texts: Iterable[str], expected: set[str], where: str) -> None:
    """Every expected text is there, and none twice."""
    counts = Counter(texts)
    duplicated = sorted(text for text, count in counts.items() if count > 1)
    assert duplicated == [], f"{where} holds these more than once: {duplicated[:5]}"
    assert set(counts) == expected, f"{where} lacks or adds items"


def assert_converged(harness: SyncHarness, population: Population) -> None:
    """Each item once on each side, every item in exactly one link, nothing pending."""
    box = harness.box()
    omi = {Kind.TASK: harness.omi_tasks(), Kind.NOTE: harness.omi_notes()}
    omi_text = {Kind.TASK: "description", Kind.NOTE: "content"}
    with StateDB.open(harness.state_path) as state:
        assert state.journal.pending(BOX) == []
        for kind in Kind:
            expected = population.texts(kind)
            assert_each_once((i[omi_text[kind]] for i in omi[kind]), expected, f"Omi {kind}s")
            assert_each_once((i["text"] for i in box[kind.value].values()), expected, "the box")
            links = list(state.links.load(BOX, kind).values())
            assert len(links) == len(expected)
            assert {link.peer_id for link in links} == set(box[kind.value])
            assert {link.omi_id for link in links} == {item["id"] for item in omi[kind]}


Counted = Literal["writes", "total"]


def wait_until_answered(
    harness: SyncHarness, process: subprocess.Popen[bytes], count: int, counted: Counted
) -> None:
    """Wait until Omi answered ``count`` requests (``"writes"`` or ``"total"``) since the last
    stats clear. Fails if ``process`` ends first or nothing happens for :data:`RUN_TIMEOUT`."""
    deadline = time.monotonic() + RUN_TIMEOUT
    while harness.emulator.stats()[counted] < count:
        assert process.poll() is None, f"the run ended before Omi answered {count} {counted}"
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.002)
