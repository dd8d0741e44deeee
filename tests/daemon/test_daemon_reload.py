"""SIGHUP reloads the config: a new connector starts syncing; a broken config is reported
with its problems and the running one is kept."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

import yaml
from daemon_helpers import (
    DaemonProcess,
    omi_task_texts,
    vault_connector,
    write_config,
    write_tasks,
)

from omisync.emulator import RunningEmulator


def test_sighup_adds_a_connector_and_a_broken_config_keeps_the_old_one(
    omi_emulator: RunningEmulator,
    tmp_path: Path,
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    write_tasks(first, ["From the first vault"])
    config = write_config(tmp_path / "config.yaml", omi_emulator, {"first": vault_connector(first)})
    daemon = start_daemon(config)
    daemon.wait_for("cycle.synced", connector="first")

    # A connector added in connectors.d/ starts on SIGHUP.
    write_tasks(second, ["From the second vault"])
    extra = tmp_path / "connectors.d" / "second.yaml"
    extra.parent.mkdir()
    extra.write_text(yaml.safe_dump({"second": vault_connector(second)}), encoding="utf-8")
    daemon.send(signal.SIGHUP)
    reloaded = daemon.wait_for("config.reloaded")
    assert reloaded[0]["connectors"] == ["first", "second"]
    daemon.wait_for("cycle.synced", connector="second")
    assert "From the second vault" in omi_task_texts(omi_emulator)

    # A broken config is reported, every problem with its place, and changes nothing.
    broken = config.read_text(encoding="utf-8").replace(
        "interval: 1s", "interval: soon\n    max_delete: {cout: 1}"
    )
    config.write_text(broken, encoding="utf-8")
    extra.write_text(yaml.safe_dump({"second": {"type": "markdwn"}}), encoding="utf-8")
    daemon.send(signal.SIGHUP)
    [failed] = daemon.wait_for("config.reload_failed")
    assert len(failed["problems"]) == 3
    assert any(
        "connectors.first.max_delete.cout: unknown key 'cout'; did you mean 'count'?" in p
        for p in failed["problems"]
    ), failed["problems"]
    assert any(
        f"{config}:" in p and "connectors.first.interval" in p and "not a duration" in p
        for p in failed["problems"]
    ), failed["problems"]
    assert any("did you mean 'markdown'" in p for p in failed["problems"]), failed["problems"]
    assert "kept the previous configuration" in failed["action"]

    # Both connectors still sync with the old settings.
    write_tasks(first, ["From the first vault", "Written after the broken reload"])
    write_tasks(second, ["From the second vault", "Also after the broken reload"])
    daemon.wait_until(
        lambda: (
            {"Written after the broken reload", "Also after the broken reload"}
            <= set(omi_task_texts(omi_emulator))
        ),
        "both connectors syncing after the failed reload",
    )
    assert len(daemon.events("config.reloaded")) == 1
    assert daemon.stop() == 0
