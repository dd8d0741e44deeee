"""``omisync run`` keeps syncing on each connector's own interval, one cycle at a time."""

from __future__ import annotations

import itertools
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

from daemon_helpers import (
    OMISYNC,
    DaemonProcess,
    omi_task_texts,
    vault_connector,
    write_config,
    write_tasks,
)

from omisync.emulator import RunningEmulator
from omisync.omi import OmiClient
from omisync.state import RunRecord, StateDB


def _runs(state_path: Path) -> list[RunRecord]:
    with StateDB.open(state_path) as state:
        return sorted(state.runs.recent(1000), key=lambda run: run.started_at)


def test_each_connector_syncs_on_its_own_interval_and_cycles_never_overlap(
    omi_emulator: RunningEmulator,
    tmp_path: Path,
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    fast, slow = tmp_path / "fast", tmp_path / "slow"
    connectors = {"fast": vault_connector(fast, "1s"), "slow": vault_connector(slow, "1h")}
    write_tasks(fast, ["Water the plants"])
    config = write_config(tmp_path / "config.yaml", omi_emulator, connectors)

    daemon = start_daemon(config)
    daemon.wait_until(lambda: "Water the plants" in omi_task_texts(omi_emulator), "first sync")

    # Edits on both sides after start-up arrive with no signal: the schedule runs again.
    write_tasks(fast, ["Water the plants", "Call the bank"])
    with OmiClient(omi_emulator.base_url, omi_emulator.api_key) as omi:
        omi.action_items.create("Book the dentist")
    tasks_file = fast / "Omi" / "Tasks.md"
    daemon.wait_until(
        lambda: (
            "Call the bank" in omi_task_texts(omi_emulator)
            and "Book the dentist" in tasks_file.read_text(encoding="utf-8")
        ),
        "both edits synced",
    )
    daemon.wait_for("cycle.synced", count=4, connector="fast")
    assert daemon.stop() == 0
    assert daemon.events("daemon.stopped")

    runs = _runs(tmp_path / "state.db")
    assert [run.connector for run in runs].count("slow") == 1  # its 1 h has not come round
    fast_starts = [run.started_at for run in runs if run.connector == "fast"]
    assert len(fast_starts) >= 4
    # Runs are 1 s apart (plus jitter and the run itself), not back to back.
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(fast_starts)]
    assert min(gaps) >= 0.9, gaps
    # One state DB, one worker: no run starts before the previous one finished.
    for earlier, later in itertools.pairwise(runs):
        assert earlier.finished_at is not None
        assert earlier.finished_at <= later.started_at, (earlier, later)


def test_sigint_stops_the_daemon_like_sigterm(
    omi_emulator: RunningEmulator,
    tmp_path: Path,
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    config = write_config(
        tmp_path / "config.yaml", omi_emulator, {"vault": vault_connector(tmp_path / "vault")}
    )
    daemon = start_daemon(config)
    daemon.wait_for("cycle.synced", connector="vault")
    assert daemon.stop(signal.SIGINT) == 0
    assert daemon.events("daemon.stopped")


def test_the_daemon_refuses_dry_run_and_confirm_deletes(tmp_path: Path) -> None:
    for flag in ("--dry-run", "--confirm-deletes"):
        result = subprocess.run(
            [str(OMISYNC), "run", flag, "--config", str(tmp_path / "none.yaml")],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert result.returncode == 2
        assert "need --once" in result.stderr
