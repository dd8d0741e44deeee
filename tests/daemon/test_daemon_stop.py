"""SIGTERM in the middle of a large import: the batch in flight finishes, nothing is lost or
duplicated once the daemon is started again."""

from __future__ import annotations

import signal
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from daemon_helpers import (
    DaemonProcess,
    omi_task_texts,
    vault_connector,
    write_config,
    write_tasks,
)

from omisync.emulator import RunningEmulator
from omisync.state import RunOutcome, StateDB

TASKS = 2000
OMI_BATCH = 50  # action items per batch create


def test_sigterm_mid_import_then_restart_gives_every_item_exactly_once(
    omi_emulator: RunningEmulator,
    tmp_path: Path,
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    vault = tmp_path / "vault"
    texts = [f"Imported task {number:04d}" for number in range(TASKS)]
    write_tasks(vault, texts)
    config = write_config(
        tmp_path / "config.yaml", omi_emulator, {"vault": vault_connector(vault, "1h")}
    )
    omi_emulator.set_faults(latency_ms=40)

    first = start_daemon(config)
    first.wait_until(lambda: len(omi_task_texts(omi_emulator)) >= 6 * OMI_BATCH, "the import")
    assert first.stop() == 0

    after_stop = omi_task_texts(omi_emulator)
    assert len(after_stop) < TASKS, "the stop came too late to test anything"
    assert len(after_stop) % OMI_BATCH == 0, "a batch was cut in the middle"
    assert first.events("cycle.stopped", connector="vault")
    with StateDB.open(tmp_path / "state.db") as state:
        last = state.runs.last("vault")
    assert last is not None and last.outcome is RunOutcome.INTERRUPTED

    # A second signal does not wait for the batch: exit 130 at once, like a crash.
    impatient = start_daemon(config)
    impatient.wait_until(
        lambda: len(omi_task_texts(omi_emulator)) >= len(after_stop) + 2 * OMI_BATCH,
        "the import to resume",
    )
    impatient.send(signal.SIGTERM)  # a pending signal repeated is delivered once: use another
    assert impatient.stop(signal.SIGINT) == 130
    assert not impatient.events("daemon.stopped")

    omi_emulator.clear_faults()
    last = start_daemon(config)
    last.wait_for("cycle.synced", connector="vault", timeout=30)
    assert last.stop() == 0

    in_omi = Counter(omi_task_texts(omi_emulator))
    assert sorted(in_omi) == sorted(texts), "an item is missing from Omi"
    assert max(in_omi.values()) == 1, [text for text, n in in_omi.items() if n > 1][:5]
    tasks = (vault / "Omi" / "Tasks.md").read_text(encoding="utf-8")
    in_vault = Counter(line.split("^")[0].strip() for line in tasks.splitlines() if "- [" in line)
    assert max(in_vault.values()) == 1 and len(in_vault) == TASKS


def test_sigterm_during_a_rate_limit_wait_exits_at_once_and_a_restart_finishes(
    omi_emulator: RunningEmulator,
    tmp_path: Path,
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    vault = tmp_path / "vault"
    texts = [f"Rate-limited task {number:03d}" for number in range(120)]
    write_tasks(vault, texts)
    config = write_config(
        tmp_path / "config.yaml", omi_emulator, {"vault": vault_connector(vault, "1h")}
    )
    # Three requests a minute: the first cycle soon waits most of a minute for the limit.
    slow = config.read_text(encoding="utf-8").replace(
        "timezone: UTC", "timezone: UTC\n  rate_limit: {per_minute: 3}"
    )
    config.write_text(slow, encoding="utf-8")

    first = start_daemon(config)
    [wait] = first.wait_for("cycle.rate_wait", connector="vault")[:1]
    assert wait["seconds"] > 5
    assert first.stop(timeout=5) == 0  # not after the wait: at once
    assert first.events("cycle.stopped", connector="vault")
    before_restart = omi_task_texts(omi_emulator)

    config.write_text(slow.replace("per_minute: 3", "per_minute: 1000"), encoding="utf-8")
    second = start_daemon(config)
    second.wait_for("cycle.synced", connector="vault", timeout=30)
    assert second.stop() == 0

    in_omi = Counter(omi_task_texts(omi_emulator))
    assert set(before_restart) <= set(in_omi)
    assert sorted(in_omi) == sorted(texts) and max(in_omi.values()) == 1
