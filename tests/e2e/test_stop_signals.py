"""SIGTERM (``systemctl stop``) and SIGINT (Ctrl-C) stop ``omisync run --once`` after the batch
in flight: exit code 130, a message, nothing left pending in the journal, and the next run
carries on without duplicating anything. A second signal stops it at once, still safely."""

from __future__ import annotations

import signal
import subprocess
import time

import pytest
from bulk_sync import (
    BATCH_LATENCY_MS,
    RUN_TIMEOUT,
    Population,
    assert_converged,
    wait_until_answered,
)
from run_harness import BOX, SyncHarness, output

from omisync.cli.exit_codes import ExitCode
from omisync.state import RunOutcome, StateDB
from omisync.sync.links import Kind

#: 8 action-item batches, then 2 memory batches.
MEDIUM = Population(box_tasks=400, box_notes=50, omi_tasks=20, omi_notes=10)


def stop_during_sixth_batch(harness: SyncHarness, *signals: signal.Signals) -> bytes:
    """Run, send ``signals`` while Omi's sixth batch create is in flight; return stderr."""
    process = subprocess.Popen(
        harness.command(), env=harness.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        wait_until_answered(harness, process, 5, "writes")
        time.sleep(BATCH_LATENCY_MS / 2000)
        for signum in signals:
            process.send_signal(signum)
        _, stderr = process.communicate(timeout=RUN_TIMEOUT)
    finally:
        process.kill()
    assert process.returncode == ExitCode.INTERRUPTED, stderr
    return stderr


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_signal_ends_the_run_after_the_batch_in_flight(
    harness: SyncHarness, signum: signal.Signals
) -> None:
    MEDIUM.seed(harness)

    stderr = stop_during_sixth_batch(harness, signum)

    assert b"stopped after the batch in flight" in stderr
    with StateDB.open(harness.state_path) as state:
        assert state.journal.pending(BOX) == []
        last = state.runs.last(BOX)
        assert last is not None and last.outcome is RunOutcome.INTERRUPTED
        assert len(state.links.load(BOX, Kind.TASK)) == 50 * harness.omi_writes()
    finished = harness.run(timeout=RUN_TIMEOUT)
    assert finished.returncode == ExitCode.OK, output(finished)
    assert "recovered" not in finished.stdout
    assert_converged(harness, MEDIUM)


def test_a_second_signal_stops_at_once_and_the_next_run_recovers(harness: SyncHarness) -> None:
    MEDIUM.seed(harness)

    stop_during_sixth_batch(harness, signal.SIGTERM, signal.SIGTERM)

    finished = harness.run(timeout=RUN_TIMEOUT)
    assert finished.returncode == ExitCode.OK, output(finished)
    assert_converged(harness, MEDIUM)
