"""A failing connector backs off exponentially and never stops a healthy one."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from daemon_helpers import (
    OMISYNC,
    DaemonProcess,
    install_plugin,
    omi_task_texts,
    vault_connector,
    write_config,
    write_tasks,
)

from omisync.emulator import RunningEmulator

CRASHING_PLUGIN = """\
from pydantic import BaseModel, ConfigDict


class Options(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Side:
    options_model = Options

    @classmethod
    def from_settings(cls, name, options, *, zone, dry_run):
        raise RuntimeError("the crashing plugin cannot start")
"""


def test_failing_connectors_back_off_while_a_healthy_one_keeps_syncing(
    omi_emulator: RunningEmulator,
    tmp_path: Path,
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    healthy, gone = tmp_path / "healthy", tmp_path / "gone"
    write_tasks(healthy, ["First healthy task"])
    connectors = {
        # A listing failure: the vault folder goes away while the daemon runs.
        "missing": vault_connector(gone),
        # An exception: the plugin raises.
        "crashing": {"type": "crashing", "interval": "1s"},
        "healthy": vault_connector(healthy),
        "off": {**vault_connector(healthy), "enabled": False},
    }
    config = write_config(tmp_path / "config.yaml", omi_emulator, connectors)
    plugins = install_plugin(tmp_path / "plugins", "crashing", CRASHING_PLUGIN)
    daemon = start_daemon(config, env={"PYTHONPATH": str(plugins)})
    daemon.wait_for("cycle.synced", connector="missing")
    shutil.rmtree(gone)

    crashes = daemon.wait_for("cycle.failed", count=2, connector="crashing")
    # 1 s interval: retried after 2 s, then 4 s, 8 s ...
    assert [event["retry_in"] for event in crashes[:2]] == [2.0, 4.0]
    assert [event["failures"] for event in crashes[:2]] == [1, 2]
    assert crashes[0]["error"] == "RuntimeError: the crashing plugin cannot start"
    [crashed] = daemon.events("cycle.crashed", connector="crashing")[:1]
    assert "Traceback" in crashed["exception"]  # an unexpected error keeps its traceback

    missing = daemon.wait_for("cycle.failed", connector="missing")
    assert missing[0]["retry_in"] == 2.0
    assert str(tmp_path / "gone") in missing[0]["error"]

    # Meanwhile the healthy connector ran every second and still syncs new work.
    assert len(daemon.events("cycle.synced", connector="healthy")) >= 2
    write_tasks(healthy, ["First healthy task", "Written while others fail"])
    daemon.wait_until(
        lambda: "Written while others fail" in omi_task_texts(omi_emulator), "healthy sync"
    )

    # `omisync status` shows the daemon's real plan: the backoff, not "last run + interval".
    plans = next_runs(config)
    assert plans["crashing"]["next_run_source"] == "daemon"
    assert plans["crashing"]["failures_in_a_row"] >= 2
    assert plans["healthy"]["next_run_source"] == "daemon"
    assert plans["healthy"]["failures_in_a_row"] == 0
    assert plans["off"]["next_run"] is None and plans["off"]["next_run_source"] is None
    assert daemon.stop() == 0
    assert next_runs(config)["healthy"]["next_run_source"] == "estimate"  # no daemon now


def next_runs(config: Path) -> dict[str, dict[str, Any]]:
    """Each connector's ``next_run*`` fields from ``omisync status --json``."""
    result = subprocess.run(
        [str(OMISYNC), "status", "--json", "--config", str(config)],
        capture_output=True,
        text=True,
        check=True,
    )
    return {
        connector["name"]: {k: v for k, v in connector.items() if k.startswith(("next", "fail"))}
        for connector in json.loads(result.stdout)["connectors"]
    }
