"""The run lock: one run per state DB across processes; a dead holder never blocks the next."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from omisync.state import RunLock, StateDB, StateLockedError, StateUsageError
from omisync.state.lock import lock_path_for

HOLD_LOCK_SCRIPT = """
import sys, time
from omisync.state import RunLock
with RunLock(sys.argv[1], timeout=float(sys.argv[3])):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def spawn_lock_holder(db_path: Path, hold_s: float, wait_s: float = 0.0) -> subprocess.Popen[str]:
    """Start a process that takes the run lock and holds it ``hold_s`` s; return once it holds."""
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK_SCRIPT, str(db_path), str(hold_s), str(wait_s)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line == "locked\n", child.communicate()[1]
    return child


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "state.db"


@pytest.fixture
def children() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes a test starts; killed at the end whatever happened."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for child in started:
        if child.poll() is None:
            child.kill()
        child.communicate()


def test_the_holder_writes_its_pid_and_empties_the_file_on_release(db_path: Path) -> None:
    with RunLock(db_path) as lock:
        holder = RunLock.holder(db_path)
        assert holder is not None
        assert holder.pid == os.getpid()
        assert holder.is_alive()
        assert stat.S_IMODE(lock.lock_path.stat().st_mode) == 0o600
        assert lock.lock_path == Path(f"{db_path}.lock")
    assert lock_path_for(db_path).read_text() == ""
    assert RunLock.holder(db_path) is None


def test_a_second_process_is_refused_at_once_naming_the_holder(
    db_path: Path, children: list[subprocess.Popen[str]]
) -> None:
    with RunLock(db_path):
        child = subprocess.Popen(
            [sys.executable, "-c", HOLD_LOCK_SCRIPT, str(db_path), "0", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        children.append(child)
        _, stderr = child.communicate(timeout=30)

    assert child.returncode != 0
    assert "StateLockedError" in stderr
    assert f"omisync PID {os.getpid()}" in stderr
    assert str(lock_path_for(db_path)) in stderr


def test_a_second_run_in_this_process_is_refused_naming_the_other_process(
    db_path: Path, children: list[subprocess.Popen[str]]
) -> None:
    children.append(child := spawn_lock_holder(db_path, hold_s=60))

    with pytest.raises(StateLockedError) as caught:
        RunLock(db_path).acquire()

    assert caught.value.holder_pid == child.pid
    assert caught.value.lock_path == lock_path_for(db_path)
    assert f"PID {child.pid}" in str(caught.value)
    assert f"kill {child.pid}" in str(caught.value)


def test_a_waiting_run_gets_the_lock_when_the_holder_finishes(
    db_path: Path, children: list[subprocess.Popen[str]]
) -> None:
    children.append(spawn_lock_holder(db_path, hold_s=0.3))
    started = time.monotonic()

    with RunLock(db_path, timeout=30, poll_interval=0.01) as lock:
        assert lock.held
        assert time.monotonic() - started >= 0.1
        assert lock.recovered_from is None, "the holder released cleanly"


def test_a_wait_that_runs_out_is_refused_saying_how_long_it_waited(
    db_path: Path, children: list[subprocess.Popen[str]]
) -> None:
    children.append(spawn_lock_holder(db_path, hold_s=60))
    started = time.monotonic()

    with pytest.raises(StateLockedError, match=r"after waiting 0\.2 s"):
        RunLock(db_path, timeout=0.2, poll_interval=0.01).acquire()

    assert time.monotonic() - started >= 0.2


def test_a_killed_holder_leaves_a_lock_that_the_next_run_recovers(
    db_path: Path, children: list[subprocess.Popen[str]]
) -> None:
    children.append(child := spawn_lock_holder(db_path, hold_s=60))
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)

    stale = RunLock.holder(db_path)
    assert stale is not None and stale.pid == child.pid and not stale.is_alive()

    with RunLock(db_path) as lock:
        assert lock.recovered_from is not None
        assert lock.recovered_from.pid == child.pid
        now_held = RunLock.holder(db_path)
        assert now_held is not None and now_held.pid == os.getpid()


def test_a_stale_pid_file_without_a_lock_is_taken_over(db_path: Path) -> None:
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True
    )
    dead_pid = int(finished.stdout)
    lock_path_for(db_path).write_text(
        f'{{"pid": {dead_pid}, "started_at": "2026-01-01T00:00:00.000000+00:00"}}\n'
    )

    with RunLock(db_path) as lock:
        assert lock.recovered_from is not None
        assert lock.recovered_from.pid == dead_pid


def test_garbage_in_the_lock_file_does_not_stop_a_run(db_path: Path) -> None:
    lock_path_for(db_path).write_bytes(b"\xff\xfe not json")
    with RunLock(db_path) as lock:
        assert lock.recovered_from is None
        assert lock.held


def test_the_lock_is_not_inherited_by_processes_the_run_starts(
    db_path: Path, children: list[subprocess.Popen[str]]
) -> None:
    lock = RunLock(db_path)
    lock.acquire()
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    children.append(subprocess.Popen(sleeper, close_fds=False, text=True))
    lock.release()

    # A short wait: the child closes its copy of the descriptor during exec, just after Popen
    # returns; an inherited lock would stay held for the child's whole minute.
    with RunLock(db_path, timeout=5) as again:
        assert again.held


def test_a_lock_object_is_not_reentrant(db_path: Path) -> None:
    with RunLock(db_path) as lock, pytest.raises(StateUsageError, match="already held"):
        lock.acquire()


def test_state_db_hands_out_the_lock_of_its_own_file(state: StateDB, state_path: Path) -> None:
    with state.run_lock(timeout=0) as lock:
        assert lock.lock_path == lock_path_for(state_path)
        with pytest.raises(StateLockedError):
            state.run_lock().acquire()
