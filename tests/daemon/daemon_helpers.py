"""Helpers for the daemon tests: a config writer and ``omisync run`` as a real subprocess.

The daemon logs JSON lines to stderr (not a terminal); :class:`DaemonProcess` sends them to a
file and reads them back as events, so a test waits for what the daemon says it did instead
of sleeping.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from omisync.emulator import RunningEmulator

OMISYNC = Path(sys.executable).with_name("omisync")
Event = dict[str, Any]


def write_config(
    path: Path,
    emulator: RunningEmulator,
    connectors: Mapping[str, Mapping[str, Any]],
) -> Path:
    """Write a config for ``emulator`` with ``connectors`` (name -> settings); return ``path``."""
    data = {
        "omi": {"base_url": emulator.base_url, "api_key": emulator.api_key, "timezone": "UTC"},
        "state": {"path": str(path.parent / "state.db")},
        "connectors": {name: dict(settings) for name, settings in connectors.items()},
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    path.chmod(0o600)
    return path


def vault_connector(vault: Path, interval: str = "1s", **more: Any) -> dict[str, Any]:
    """Settings of a markdown connector on ``vault`` (created) that syncs every ``interval``."""
    (vault / "Omi").mkdir(parents=True, exist_ok=True)
    return {"type": "markdown", "path": str(vault), "interval": interval, "settle": 0, **more}


def write_tasks(vault: Path, texts: list[str]) -> None:
    """Make the vault's Omi/Tasks.md hold an open task per text."""
    lines = "".join(f"- [ ] {text}\n" for text in texts)
    (vault / "Omi").mkdir(parents=True, exist_ok=True)
    (vault / "Omi" / "Tasks.md").write_text(f"# Tasks\n\n{lines}", encoding="utf-8")


def install_plugin(folder: Path, type_name: str, source: str) -> Path:
    """A third-party connector package ``omisync_<type_name>``, registered as connector type
    ``type_name`` through the ``omisync.connectors`` entry points, whose module ``source``
    defines the factory ``Side``. Returns the folder to put on PYTHONPATH."""
    folder.mkdir(exist_ok=True)
    module = f"omisync_{type_name}"
    (folder / f"{module}.py").write_text(source, encoding="utf-8")
    info = folder / f"{module}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        f"[omisync.connectors]\n{type_name} = {module}:Side\n", encoding="utf-8"
    )
    return folder


def omi_task_texts(emulator: RunningEmulator) -> list[str]:
    """The descriptions of every live action item in the emulator."""
    return [item["description"] for item in emulator.records()["action_items"]]


class DaemonProcess:
    """``omisync run -v --config CONFIG`` in a subprocess; its log lines as parsed events."""

    def __init__(self, config: Path, log: Path, env: Mapping[str, str] | None = None) -> None:
        self.log = log
        self._log_file = log.open("ab")
        self.process = subprocess.Popen(
            [str(OMISYNC), "run", "-v", "--config", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=self._log_file,
            env={**os.environ, **(env or {})},
        )

    @property
    def pid(self) -> int:
        """The daemon's process id."""
        return self.process.pid

    def events(self, name: str | None = None, **match: Any) -> list[Event]:
        """Every JSON event logged so far (those named ``name`` with ``match``ing fields)."""
        found = []
        for line in self.log.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if name is not None and event.get("event") != name:
                continue
            if all(event.get(key) == value for key, value in match.items()):
                found.append(event)
        return found

    def wait_for(
        self,
        name: str,
        count: int = 1,
        timeout: float = 15.0,
        **match: Any,
    ) -> list[Event]:
        """Wait until ``count`` events named ``name`` (with ``match``) were logged; return them.

        Fails the test (with the log) on timeout or when the daemon exits meanwhile.
        """
        self.wait_until(
            lambda: len(self.events(name, **match)) >= count, f"{count} × {name} {match}", timeout
        )
        return self.events(name, **match)

    def wait_until(self, condition: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
        """Poll ``condition`` until it holds; fail the test after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process.poll() is not None:
                pytest.fail(
                    f"daemon exited ({self.process.returncode}) waiting for {what}:\n{self.text()}"
                )
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {what}:\n{self.text()}")
            time.sleep(0.05)

    def text(self) -> str:
        """The whole log, for failure messages."""
        return self.log.read_text(encoding="utf-8", errors="replace")[-6000:]

    def send(self, signum: signal.Signals) -> None:
        """Send a signal to the daemon."""
        self.process.send_signal(signum)

    def stop(self, signum: signal.Signals = signal.SIGTERM, timeout: float = 10.0) -> int:
        """Send ``signum`` and wait for the exit; return the exit code."""
        self.send(signum)
        return self.wait(timeout)

    def wait(self, timeout: float = 10.0) -> int:
        """Wait for the process to end; return its exit code (kills it after ``timeout``)."""
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(f"daemon did not exit within {timeout} s:\n{self.text()}")
        finally:
            self._log_file.close()

    def kill(self) -> None:
        """Make sure the process is gone (test clean-up)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log_file.close()
