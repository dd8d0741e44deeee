"""The real crash test: ``omisync run --once`` killed with SIGKILL during a large first sync.

The box holds 1,500 tasks and 300 notes and Omi 100 action items and 50 memories, so the first
sync makes 30 action-item batches and 12 memory batches in Omi (an emulator latency fault on
the batch endpoints keeps each in flight for a while) and writes the box twice. Each scenario
kills the run once Omi has answered a given number of requests, plus a small delay, so the
kills land at different steps (the exact step depends on timing): before a batch is sent,
while it is in flight (Omi stores it, the answer is lost), between the answer and the commit
of its links, during the box writes. Some scenarios kill the restarted run too. A last
restart must finish, and then:

- Omi holds every item exactly once (no duplicated description or content), and so does the box;
- every item on each side is linked to its counterpart, and no journal entry is left pending;
- one more run makes zero writes anywhere.
"""

from __future__ import annotations

import signal
import time
from dataclasses import dataclass

import pytest
from bulk_sync import RUN_TIMEOUT, Counted, Population, assert_converged, wait_until_answered
from run_harness import BOX, SyncHarness, output

from omisync.cli.exit_codes import ExitCode
from omisync.state import StateDB
from omisync.state.journal import JournalOp

LARGE = Population(box_tasks=1_500, box_notes=300, omi_tasks=100, omi_notes=50)


@dataclass(frozen=True, slots=True)
class Kill:
    """SIGKILL a run once Omi answered ``after`` more requests of the ``counted`` sort
    (``"writes"``, or ``"total"`` for every request) since the run started, plus ``delay_ms``."""

    after: int
    delay_ms: int
    counted: Counted = "writes"

    def __str__(self) -> str:
        return f"{self.counted}{self.after}+{self.delay_ms}ms"


#: The scenarios: one Kill per killed run; the run after the last kill must finish. With the
#: batch latency, they land (timing permitting) on: the first task batch in flight; a task
#: batch answered but its links not committed; late task batches, then the restart too; the
#: box write of Omi's 100 tasks; the memory batches, then the restart too; a restart killed
#: while it reconciles.
KILL_PLANS: list[tuple[Kill, ...]] = [
    (Kill(3, 20, "total"),),
    (Kill(11, 0),),
    (Kill(22, 30), Kill(4, 10)),
    (Kill(30, 20),),
    (Kill(33, 35), Kill(5, 12)),
    (Kill(16, 20), Kill(2, 0, "total")),
]


def kill_run(harness: SyncHarness, kill: Kill) -> None:
    """Start a run and SIGKILL it as ``kill`` says; fail if it ends before it is killed."""
    target = harness.emulator.stats()[kill.counted] + kill.after
    process = harness.start()
    try:
        wait_until_answered(harness, process, target, kill.counted)
        time.sleep(kill.delay_ms / 1000)
        alive = process.poll() is None
    finally:
        process.kill()  # SIGKILL; a no-op once the process has ended
        process.wait(timeout=RUN_TIMEOUT)
    assert alive, f"the run ended before it could be killed: {kill}"
    assert process.returncode == -signal.SIGKILL


@pytest.mark.slow
@pytest.mark.parametrize("plan", KILL_PLANS, ids=lambda plan: "/".join(map(str, plan)))
def test_sigkill_during_a_large_first_sync_never_duplicates_and_converges(
    harness: SyncHarness, plan: tuple[Kill, ...]
) -> None:
    LARGE.seed(harness)

    for kill in plan:
        kill_run(harness, kill)
    finished = harness.run(timeout=RUN_TIMEOUT)

    assert finished.returncode == ExitCode.OK, output(finished)
    assert_converged(harness, LARGE)

    harness.emulator.clear_faults()
    harness.emulator.clear_stats()
    before = harness.box_path.read_bytes()
    quiet = harness.run(timeout=RUN_TIMEOUT)

    assert quiet.returncode == ExitCode.OK, output(quiet)
    assert harness.omi_writes() == 0
    assert harness.box_path.read_bytes() == before


def test_sigkill_while_omi_holds_a_batch_whose_answer_is_in_flight(harness: SyncHarness) -> None:
    """The most dangerous window, reached on purpose rather than by timing: Omi has stored a
    batch of action items (creates Omi does not de-duplicate) and the run dies before the
    answer, so it never learns the new ids. The journal must hold those creates as pending, and
    the restart must link them to what Omi holds instead of creating them again."""
    LARGE.seed(harness)
    harness.emulator.set_faults(answer_latency_ms=500, path_contains="/action-items/batch")
    held_before = len(harness.omi_tasks())
    process = harness.start()
    try:
        deadline = time.monotonic() + RUN_TIMEOUT
        while len(harness.omi_tasks()) == held_before:
            assert process.poll() is None, "the run ended before Omi stored a batch"
            assert time.monotonic() < deadline, "Omi never stored a batch"
            time.sleep(0.01)
    finally:
        process.kill()
        process.wait(timeout=RUN_TIMEOUT)

    in_omi = {item["description"] for item in harness.omi_tasks()}
    # The emulator is still holding the answer nobody waits for: let it go out first, so this
    # request is not counted in the next run's (or the next test's) request log.
    stored_batches = -(-(len(in_omi) - held_before) // 50)

    def requests() -> list[dict[str, str]]:
        logged: list[dict[str, str]] = harness.emulator.stats()["requests"]
        return logged

    while sum("/action-items/batch" in r["path"] for r in requests()) < stored_batches:
        assert time.monotonic() < deadline, "the held answer never went out"
        time.sleep(0.02)
    with StateDB.open(harness.state_path) as state:
        pending_creates = [
            entry.payload["fields"]["text"]
            for entry in state.journal.pending(BOX)
            if entry.op is JournalOp.CREATE and entry.side == "omi"
        ]
    stored_unanswered = [text for text in pending_creates if text in in_omi]
    assert stored_unanswered, "the kill did not land between Omi storing and the run linking"

    harness.emulator.clear_faults()
    finished = harness.run(timeout=RUN_TIMEOUT)
    assert finished.returncode == ExitCode.OK, output(finished)
    assert_converged(harness, LARGE)
