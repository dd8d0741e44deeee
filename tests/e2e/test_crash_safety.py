"""The real crash test: ``omisync run --once`` killed with SIGKILL during a large first sync.

The box holds 1,500 tasks and 300 notes and Omi 100 action items and 50 memories, so the first
sync makes 30 action-item batches and 12 memory batches in Omi (an emulator latency fault on
the batch endpoints keeps each in flight for a while) and writes the box twice. Each scenario
kills the run once Omi has answered a given number of writes, plus a small delay, so the kills
land at different steps: before a batch is sent, while it is in flight (Omi stores it, the
answer is lost), between the answer and the commit of its links, during the box writes. Some
scenarios kill the restarted run too. A last restart must finish, and then:

- Omi holds every item exactly once (no duplicated description or content), and so does the box;
- every item on each side is linked to its counterpart, and no journal entry is left pending;
- one more run makes zero writes anywhere.
"""

from __future__ import annotations

import signal
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import pytest
from jsonfile_connector import Box, write_box
from run_harness import BOX, SyncHarness, output

from omisync.cli.exit_codes import ExitCode
from omisync.state import StateDB
from omisync.sync.links import Kind

PEER_TASKS = 1_500
PEER_NOTES = 300
OMI_TASKS = 100
OMI_NOTES = 50
BATCH_LATENCY_MS = 40
RUN_TIMEOUT = 60.0


@dataclass(frozen=True, slots=True)
class Kill:
    """SIGKILL a run once Omi answered ``after`` more requests of the ``counted`` sort
    (``"writes"``, or ``"total"`` for every request) since the run started, plus ``delay_ms``."""

    after: int
    delay_ms: int
    counted: Literal["writes", "total"] = "writes"

    def __str__(self) -> str:
        return f"{self.counted}{self.after}+{self.delay_ms}ms"


#: The scenarios: one Kill per killed run; the run after the last kill must finish. With the
#: batch latency above, they land (timing permitting) on: the first task batch in flight; an
#: early one in flight; a task batch answered but its links not committed; late task batches,
#: then the restart killed too; the box write of Omi's 100 tasks; the first memory batches; the
#: last memory batch, then the restart killed too; a restart killed while it reconciles.
KILL_PLANS: list[tuple[Kill, ...]] = [
    (Kill(3, 20, "total"),),
    (Kill(3, 25),),
    (Kill(11, 0),),
    (Kill(22, 30), Kill(4, 10)),
    (Kill(30, 20),),
    (Kill(32, 35),),
    (Kill(40, 12), Kill(1, 30)),
    (Kill(16, 20), Kill(2, 0, "total")),
]


def seed_both_sides(harness: SyncHarness) -> None:
    """Fill the box and Omi with distinct items nobody has synced yet."""
    box: Box = {
        "task": {f"p{n}": {"text": f"Box task {n}", "done": False} for n in range(PEER_TASKS)},
        "note": {f"q{n}": {"text": f"Box note {n}", "tags": ["bulk"]} for n in range(PEER_NOTES)},
    }
    write_box(harness.box_path, box)
    harness.emulator.seed(
        {
            "action_items": [{"description": f"Omi task {n}"} for n in range(OMI_TASKS)],
            "memories": [{"content": f"Omi memory {n}"} for n in range(OMI_NOTES)],
        }
    )


def expected_texts(kind: Kind) -> set[str]:
    """The text of every item of ``kind``, from either side."""
    if kind is Kind.TASK:
        return {f"Box task {n}" for n in range(PEER_TASKS)} | {
            f"Omi task {n}" for n in range(OMI_TASKS)
        }
    return {f"Box note {n}" for n in range(PEER_NOTES)} | {
        f"Omi memory {n}" for n in range(OMI_NOTES)
    }


def assert_each_once(texts: Iterable[str], kind: Kind, where: str) -> None:
    """Every expected text is there, none twice."""
    counts = Counter(texts)
    duplicated = sorted(text for text, count in counts.items() if count > 1)
    assert duplicated == [], f"{where} holds these {kind}s more than once: {duplicated[:5]}"
    assert set(counts) == expected_texts(kind), f"{where} lacks or adds {kind}s"


def answered(harness: SyncHarness, counted: str) -> int:
    """How many Omi requests of the ``counted`` sort the emulator answered so far."""
    count: int = harness.emulator.stats()[counted]
    return count


def kill_run(harness: SyncHarness, kill: Kill) -> None:
    """Start a run and SIGKILL it as ``kill`` says; fail if it ends before it is killed."""
    target = answered(harness, kill.counted) + kill.after
    process = harness.start()
    try:
        deadline = time.monotonic() + RUN_TIMEOUT
        while answered(harness, kill.counted) < target:
            assert process.poll() is None, f"the run ended before it could be killed: {kill}"
            assert time.monotonic() < deadline, "the run made no progress"
            time.sleep(0.002)
        time.sleep(kill.delay_ms / 1000)
        assert process.poll() is None, f"the run ended before it could be killed: {kill}"
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()  # a no-op once dead; never leaves a run behind
        process.wait(timeout=RUN_TIMEOUT)
    assert process.returncode == -signal.SIGKILL


def assert_all_linked(harness: SyncHarness) -> None:
    """Every item on both sides is in exactly one link and nothing is pending."""
    box = harness.box()
    omi_ids = {
        Kind.TASK: {item["id"] for item in harness.omi_tasks()},
        Kind.NOTE: {item["id"] for item in harness.omi_notes()},
    }
    with StateDB.open(harness.state_path) as state:
        assert state.journal.pending(BOX) == []
        for kind in Kind:
            links = list(state.links.load(BOX, kind).values())
            assert len(links) == len(expected_texts(kind))
            assert {link.peer_id for link in links} == set(box[kind.value])
            assert {link.omi_id for link in links} == omi_ids[kind]


@pytest.mark.slow
@pytest.mark.parametrize("plan", KILL_PLANS, ids=lambda plan: "/".join(map(str, plan)))
def test_sigkill_during_a_large_first_sync_never_duplicates_and_converges(
    harness: SyncHarness, plan: tuple[Kill, ...]
) -> None:
    seed_both_sides(harness)
    harness.emulator.set_faults(latency_ms=BATCH_LATENCY_MS, path_contains="/batch")
    harness.emulator.clear_stats()

    for kill in plan:
        kill_run(harness, kill)
    finished = harness.run(timeout=RUN_TIMEOUT)

    assert finished.returncode == ExitCode.OK, output(finished)
    assert_each_once((item["description"] for item in harness.omi_tasks()), Kind.TASK, "Omi")
    assert_each_once((item["content"] for item in harness.omi_notes()), Kind.NOTE, "Omi")
    box = harness.box()
    assert_each_once((item["text"] for item in box["task"].values()), Kind.TASK, "the box")
    assert_each_once((item["text"] for item in box["note"].values()), Kind.NOTE, "the box")
    assert_all_linked(harness)

    harness.emulator.clear_faults()
    harness.emulator.clear_stats()
    before = harness.box_path.read_bytes()
    quiet = harness.run(timeout=RUN_TIMEOUT)

    assert quiet.returncode == ExitCode.OK, output(quiet)
    assert harness.omi_writes() == 0
    assert harness.box_path.read_bytes() == before
