"""``omisync run`` in the foreground on a terminal shows the progress of a long first import."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import time
from pathlib import Path

from daemon_helpers import OMISYNC, vault_connector, write_config, write_tasks

from omisync.emulator import RunningEmulator


def test_the_foreground_daemon_shows_import_progress_on_a_terminal(
    omi_emulator: RunningEmulator, tmp_path: Path
) -> None:
    vault = tmp_path / "vault"
    write_tasks(vault, [f"Imported task {n:03d}" for n in range(120)])
    config = write_config(
        tmp_path / "config.yaml", omi_emulator, {"vault": vault_connector(vault, "1h")}
    )
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("JOURNAL_STREAM", "INVOCATION_ID")}
    daemon = subprocess.Popen(
        [str(OMISYNC), "run", "--config", str(config)],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    seen = b""
    try:
        deadline = time.monotonic() + 20
        while "vault · tasks 50".encode() not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.2)
            if ready:
                seen += os.read(leader, 65536)
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(10) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
        os.close(leader)
    text = seen.decode("utf-8", errors="replace")
    assert "\r\x1b[Kvault · tasks 50" in text, text[-2000:]
