"""systemd's notify protocol: READY, STATUS, WATCHDOG and STOPPING reach a real AF_UNIX
datagram socket, by path and in the abstract namespace."""

from __future__ import annotations

import os
import re
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from daemon_helpers import DaemonProcess, vault_connector, write_config, write_tasks

from omisync.daemon import SystemdNotifier
from omisync.emulator import RunningEmulator


@pytest.fixture(params=["path", "abstract"])
def notify_socket(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[str, socket.socket]]:
    """A bound datagram socket and the ``$NOTIFY_SOCKET`` value that names it."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if request.param == "path":
        address = str(tmp_path / "notify.sock")
        sock.bind(address)
        value = address
    else:
        name = f"omisync-test-{uuid.uuid4().hex}"
        sock.bind("\0" + name)
        value = "@" + name
    sock.settimeout(0.2)
    yield value, sock
    sock.close()


def receive(sock: socket.socket, until: Callable[[list[str]], bool], timeout: float) -> list[str]:
    """Collect datagrams until ``until(messages)`` holds; fail after ``timeout`` seconds."""
    messages: list[str] = []
    deadline = time.monotonic() + timeout
    while not until(messages):
        if time.monotonic() > deadline:
            pytest.fail(f"notifications so far: {messages}")
        try:
            messages.append(sock.recv(4096).decode())
        except TimeoutError:
            continue
    return messages


def test_notifier_sends_key_value_lines(notify_socket: tuple[str, socket.socket]) -> None:
    value, sock = notify_socket
    notifier = SystemdNotifier({"NOTIFY_SOCKET": value})
    assert notifier.enabled
    notifier.notify(READY="1", STATUS="vault: synced\nnext soon")
    assert sock.recv(4096).decode() == "READY=1\nSTATUS=vault: synced next soon"


def test_watchdog_period_is_half_of_watchdog_usec_for_this_process_only() -> None:
    env = {"NOTIFY_SOCKET": "/run/systemd/notify", "WATCHDOG_USEC": "3000000"}
    assert SystemdNotifier(env).watchdog_period() == 1.5
    mine = {**env, "WATCHDOG_PID": str(os.getpid())}
    assert SystemdNotifier(mine).watchdog_period() == 1.5
    assert SystemdNotifier({**env, "WATCHDOG_PID": "1"}).watchdog_period() is None
    assert SystemdNotifier({**env, "WATCHDOG_USEC": "0"}).watchdog_period() is None
    assert SystemdNotifier({"WATCHDOG_USEC": "3000000"}).watchdog_period() is None


def test_without_notify_socket_nothing_is_sent() -> None:
    notifier = SystemdNotifier({})
    assert not notifier.enabled
    notifier.ready("ready")  # no socket, no error


def test_daemon_notifies_ready_status_watchdog_and_stopping(
    notify_socket: tuple[str, socket.socket],
    omi_emulator: RunningEmulator,
    tmp_path: Path,
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    value, sock = notify_socket
    vault = tmp_path / "vault"
    write_tasks(vault, ["Water the plants"])
    config = write_config(tmp_path / "config.yaml", omi_emulator, {"vault": vault_connector(vault)})
    daemon = start_daemon(config, env={"NOTIFY_SOCKET": value, "WATCHDOG_USEC": "400000"})

    synced = re.compile(r"STATUS=vault: synced \d\d:\d\d:\d\d, next \d\d:\d\d:\d\d$")
    messages = receive(
        sock,
        lambda seen: any(synced.search(m) for m in seen) and seen.count("WATCHDOG=1") >= 3,
        timeout=15,
    )
    ready = [m for m in messages if m.startswith("READY=1")]
    first = r"READY=1\nSTATUS=vault: (not synced yet, next \d\d:\d\d:\d\d|syncing)$"
    assert ready and re.match(first, ready[0]), ready  # the first cycle may start before READY
    assert messages.index(ready[0]) < min(i for i, m in enumerate(messages) if synced.search(m))
    assert "STATUS=vault: syncing" in messages

    assert daemon.stop() == 0
    after = receive(sock, lambda seen: any(m.startswith("STOPPING=1") for m in seen), 5)
    assert after[-1] == "STOPPING=1\nSTATUS=stopping after the batch in flight"
