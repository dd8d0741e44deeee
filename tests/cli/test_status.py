"""``omisync status``: never run, after real runs against the emulator, JSON shape, the lock."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
from cli_helpers import VaultSetup

from omisync.cli import main
from omisync.emulator import RunningEmulator
from omisync.omi import OmiClient
from omisync.session import Session
from omisync.state import Intent, JournalOp, SideName, StateDB, lock_path_for
from omisync.status import STATUS_JSON_SCHEMA

LONG_NOTE = "Remembers every detail of the trip to Lisbon. " * 14  # 643 without the last space


@pytest.fixture
def setup(tmp_path: Path, omi_emulator: RunningEmulator) -> VaultSetup:
    return VaultSetup(tmp_path, omi_emulator)


def status(
    setup: VaultSetup, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str]:
    """``omisync status`` in this process; returns the exit code and the text."""
    monkeypatch.setenv("OMI_API_KEY", setup.key)
    capsys.readouterr()  # drop what the syncs before printed
    code = main(["status", "--config", str(setup.config_path)])
    return code, capsys.readouterr().out


def status_json(
    setup: VaultSetup, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    """``omisync status --json``, checked against the documented schema."""
    monkeypatch.setenv("OMI_API_KEY", setup.key)
    capsys.readouterr()
    assert main(["status", "--json", "--config", str(setup.config_path)]) == 0
    report: dict[str, Any] = json.loads(capsys.readouterr().out)
    jsonschema.validate(report, STATUS_JSON_SCHEMA)
    return report


def sync(setup: VaultSetup) -> None:
    with Session(setup.config()) as session:
        session.sync("vault")


def test_a_fresh_config_says_never_run_and_creates_nothing(
    setup: VaultSetup, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, text = status(setup, capsys, monkeypatch)

    assert code == 0
    assert "(not created yet: omisync has never run)" in text
    assert "vault (markdown, every 10m)" in text
    assert "last run:  never" in text
    assert "links:     none yet" in text
    assert "per_minute 100/100 left per 1m, per_day 10000/10000 left per 24h" in text
    report = status_json(setup, capsys, monkeypatch)
    assert report["state_db"] == {"path": str(setup.state_path), "exists": False}
    assert report["run_in_progress"] is None
    [vault] = report["connectors"]
    assert vault["last_run"] is None and vault["next_run"] is None and vault["links"] == {}
    assert not setup.state_path.parent.exists()


def test_after_runs_it_shows_counts_links_a_refused_note_and_a_parked_conflict(
    setup: VaultSetup, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    tasks = setup.write(
        "Omi/Tasks.md",
        """\
        # Tasks

        - [ ] Call Bob about the roof
        - [ ] Water the plants
        """,
    )
    setup.write("Omi/Memories/Lisbon.md", LONG_NOTE)
    setup.write("Omi/Memories/Tea.md", "Prefers green tea in the afternoon.\n")
    sync(setup)
    # The same field edited differently on both sides: parked under the default `manual`.
    text = tasks.read_text(encoding="utf-8")
    tasks.write_text(text.replace("Call Bob about the roof", "Call Bob about the roof today"))
    with OmiClient(setup.emulator.base_url, setup.key) as omi:
        [bob] = [i for i in omi.action_items.scan().items if i.description.startswith("Call Bob")]
        omi.action_items.update(bob.id, description="Call Bob about the gutter")
    sync(setup)

    report = status_json(setup, capsys, monkeypatch)
    [vault] = report["connectors"]
    assert vault["links"] == {"note": 1, "task": 2}
    last = vault["last_run"]
    assert last["run_id"] == 2 and last["outcome"] == "partial"
    assert last["counts"] == {"note.refused": 1, "task.conflicts": 1}
    [refused] = vault["refused"]
    assert refused["kind"] == "note" and refused["side"] == "peer"
    assert refused["where"] == "Omi/Memories/Lisbon.md"
    assert refused["reason"].startswith('"Remembers every detail of the trip to Lisbon.')
    assert "643 characters; Omi accepts at most 500" in refused["reason"]
    [conflict] = vault["conflicts"]
    assert conflict["kind"] == "task" and conflict["text"] == "Call Bob about the roof"
    assert conflict["fields"] == {
        "text": {"omi": "Call Bob about the gutter", "peer": "Call Bob about the roof today"}
    }
    assert vault["pending_writes"] == []
    assert vault["next_run"] == _plus_ten_minutes(last["finished_at"])
    [minute, day] = report["omi_rate_budget"]["buckets"]
    assert minute["name"] == "per_minute" and day["name"] == "per_day"
    assert 0 < day["used"] == 10_000 - day["remaining"]

    code, text = status(setup, capsys, monkeypatch)
    assert code == 0
    assert "#2 partial, ended" in text
    assert "tasks: 1 conflict(s)" in text and "notes: 1 refused" in text
    assert "links:     1 notes, 2 tasks" in text
    assert (
        "task 'Call Bob about the roof': text: Omi 'Call Bob about the gutter', "
        "vault 'Call Bob about the roof today'"
    ) in text
    assert 'note Omi/Memories/Lisbon.md in vault: "Remembers every detail' in text
    assert re.search(r"next run:  \d{4}-.* UTC \(in (9m 5\ds|10m)\), if the daemon runs", text)


def _plus_ten_minutes(moment: str) -> str:
    return (datetime.fromisoformat(moment) + timedelta(minutes=10)).isoformat()


def test_the_problems_of_the_last_run_are_shown(
    setup: VaultSetup, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    setup.write("Omi/Tasks.md", "- [ ] Water the plants ^omi-water1\n")
    setup.write("Garden.md", "- [ ] Feed the plants ^omi-water1\n")
    sync(setup)
    problem = (
        "tasks: Garden.md:1: anchor ^omi-water1 is also on Omi/Tasks.md:1; "
        "this copy becomes a new task"
    )
    [vault] = status_json(setup, capsys, monkeypatch)["connectors"]
    assert vault["last_run"]["outcome"] == "ok" and vault["last_run"]["problems"] == [problem]
    code, text = status(setup, capsys, monkeypatch)
    assert code == 0 and f"    problem: {problem}" in text
    sync(setup)  # the copy has its own anchor now
    [vault] = status_json(setup, capsys, monkeypatch)["connectors"]
    assert vault["last_run"]["problems"] == []


def test_pending_writes_and_connectors_gone_from_the_config_are_listed(
    setup: VaultSetup, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    setup.state_path.parent.mkdir()
    with StateDB.open(setup.state_path) as state:
        run_id = state.runs.start("old-notion")
        [entry] = state.journal.intend(
            [
                Intent(
                    "old-notion",
                    "task",
                    SideName.OMI,
                    JournalOp.CREATE,
                    {"target": "omi", "fields": {"text": "Renew the passport"}},
                    link_id="l1",
                    stamp="l1",
                )
            ],
            run_id=run_id,
        )
        state.journal.record_attempt(entry, "timed out after 5 s")

    report = status_json(setup, capsys, monkeypatch)
    names = [(c["name"], c["configured"]) for c in report["connectors"]]
    assert names == [("vault", True), ("old-notion", False)]
    [write] = report["connectors"][1]["pending_writes"]
    assert write["op"] == "create" and write["side"] == "omi" and write["attempts"] == 1
    assert write["text"] == "Renew the passport" and write["last_error"] == "timed out after 5 s"
    assert report["connectors"][1]["last_run"]["finished_at"] is None

    code, text = status(setup, capsys, monkeypatch)
    assert code == 0
    assert "old-notion (not in the config any more; its state is kept)" in text
    assert (
        "create task 'Renew the passport' in Omi, 1 failed attempt(s), last error: timed out"
        in (text)
    )
    assert "not finished" in text


HOLD_LOCK = textwrap.dedent(
    """\
    import sys, time
    from omisync.state import RunLock
    with RunLock(sys.argv[1]):
        print("locked", flush=True)
        time.sleep(60)
    """
)


def test_a_run_in_progress_is_shown_and_status_neither_locks_nor_writes(
    setup: VaultSetup, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    setup.write("Omi/Tasks.md", "- [ ] Pay the electricity bill\n")
    sync(setup)
    before = hashlib.sha256(setup.state_path.read_bytes()).hexdigest()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(setup.state_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        report = status_json(setup, capsys, monkeypatch)
        code, text = status(setup, capsys, monkeypatch)
    finally:
        holder.kill()
        holder.wait()

    assert report["run_in_progress"]["pid"] == holder.pid
    assert report["run_in_progress"]["alive"] is True
    assert code == 0 and f"a run is in progress: PID {holder.pid}, since" in text
    assert hashlib.sha256(setup.state_path.read_bytes()).hexdigest() == before
    # The killed holder's PID stays in the lock file: shown as dead, not as running.
    _, text = status(setup, capsys, monkeypatch)
    assert f"no run in progress (PID {holder.pid}" in text and "died holding the lock" in text
    assert lock_path_for(setup.state_path).exists()


def test_an_unreadable_state_db_is_a_clear_error(
    setup: VaultSetup, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    setup.state_path.parent.mkdir()
    setup.state_path.write_text("these are not the droids\n" * 100)
    monkeypatch.setenv("OMI_API_KEY", setup.key)

    code = main(["status", "--config", str(setup.config_path)])

    err = capsys.readouterr().err
    assert code == 2
    assert f"Cannot read the state DB {setup.state_path}" in err
    assert "Fix: point `state.path` in the config at omisync's state DB" in err


def test_the_configured_rate_limits_are_the_budgets_shown(
    setup: VaultSetup, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = setup.config_path.read_text(encoding="utf-8").replace(
        "  timeout: 5\n",
        "  timeout: 5\n  rate_limit:\n    per_minute: 40\n"
        "    policies: {dev:memories: 12/90s, dev:ask: 3}\n",
    )
    setup.config_path.write_text(text, encoding="utf-8")
    sync(setup)

    buckets = {
        b["name"]: b for b in status_json(setup, capsys, monkeypatch)["omi_rate_budget"]["buckets"]
    }
    assert set(buckets) == {"per_minute", "per_day", "dev:memories", "dev:ask"}
    shown_limits = {name: (b["limit"], b["window_seconds"]) for name, b in buckets.items()}
    assert shown_limits["per_minute"] == (40, 60.0)
    assert shown_limits["dev:memories"] == (12, 90.0)
    assert shown_limits["dev:ask"] == (3, 3600.0)
    assert buckets["dev:ask"]["used"] == 0
    code, shown = status(setup, capsys, monkeypatch)
    assert code == 0 and "dev:memories" in shown and "dev:ask 3/3 left per 1h" in shown
