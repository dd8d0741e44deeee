"""Fixtures of the daemon tests (helpers are in daemon_helpers.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from daemon_helpers import DaemonProcess


@pytest.fixture
def start_daemon(tmp_path: Path) -> Iterator[Callable[..., DaemonProcess]]:
    """``start_daemon(config, env=None)`` starts a daemon; every one is killed at the end."""
    started: list[DaemonProcess] = []

    def start(config: Path, env: Mapping[str, str] | None = None) -> DaemonProcess:
        daemon = DaemonProcess(config, tmp_path / f"daemon-{len(started)}.log", env)
        started.append(daemon)
        return daemon

    yield start
    for daemon in started:
        daemon.kill()
