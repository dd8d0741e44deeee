"""The Markdown vault end to end: ``omisync run --once`` (a real subprocess) against the Omi
emulator, with a vault in ``tmp_path``: every kind both ways, moves, concurrent edits, quiet
second runs, and an inbox file sent exactly once across a SIGKILL right after the POST."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from omisync.emulator import RunningEmulator
from omisync.omi import OmiClient

ANCHOR_MARK = " ^omi-"

#: Runs a whole cycle like ``omisync run --once``, but SIGKILLs itself the moment Omi has
#: answered an inbox send (the "sent" checkpoint), before anything is recorded.
KILLED_AFTER_POST = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from omisync.config import load_config
    from omisync.plugins import connector_types, options_model
    from omisync.session import Session

    def checkpoint(step):
        if step == "sent":
            os.kill(os.getpid(), signal.SIGKILL)

    config = load_config(
        Path(sys.argv[1]), options_schema=options_model, known_types=connector_types
    )
    with Session(config, checkpoint=checkpoint) as session:
        for name in session.connector_names():
            session.sync(name)
    """
)


class Vault:
    """An omisync installation syncing one Markdown vault with the emulator."""

    def __init__(self, root: Path, emulator: RunningEmulator, conflict: str = "omi") -> None:
        self.root = root / "vault"
        self.emulator = emulator
        self.config = root / "config.yaml"
        settings: dict[str, Any] = {
            "omi": {
                "base_url": emulator.base_url,
                "api_key": "${OMI_API_KEY}",
                "timezone": "Europe/Berlin",
                "timeout": 10,
            },
            "state": {"path": str(root / "state.db")},
            "connectors": {
                "vault": {
                    "type": "markdown",
                    "path": str(self.root),
                    "settle": 0,
                    "conflict": conflict,
                }
            },
        }
        self.config.write_text(yaml.safe_dump(settings), encoding="utf-8")
        self.config.chmod(0o600)
        self.env = {**os.environ, "OMI_API_KEY": emulator.api_key, "NO_COLOR": "1"}

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def read(self, rel: str) -> str:
        return (self.root / rel).read_text(encoding="utf-8")

    def files(self) -> dict[str, tuple[bytes, int]]:
        """Every vault file's bytes and mtime, by vault-relative path."""
        return {
            p.relative_to(self.root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(self.root.rglob("*"))
            if p.is_file()
        }

    def run(self, *extra: str, expect: int = 0) -> str:
        """``omisync run --once``; its stdout (the exit code must be ``expect``)."""
        result = subprocess.run(
            [sys.executable, "-m", "omisync", "run", "--once", "--config", str(self.config)],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=60,
            check=False,
        )
        assert result.returncode == expect, result.stdout + result.stderr
        return result.stdout

    def run_killed_after_post(self) -> None:
        """A cycle killed by SIGKILL right after Omi answered an inbox send."""
        result = subprocess.run(
            [sys.executable, "-c", KILLED_AFTER_POST, str(self.config)],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=60,
            check=False,
        )
        assert result.returncode == -signal.SIGKILL, result.stdout + result.stderr

    def line_with(self, rel: str, text: str) -> str:
        [line] = [line for line in self.read(rel).splitlines() if text in line]
        return line


def _omi(emulator: RunningEmulator, table: str) -> list[dict[str, Any]]:
    return [row for row in emulator.records()[table] if not row.get("deleted")]


def _items(emulator: RunningEmulator) -> dict[str, dict[str, Any]]:
    return {row["description"]: row for row in _omi(emulator, "action_items")}


@pytest.fixture
def emu(omi_emulator: RunningEmulator) -> RunningEmulator:
    return omi_emulator


def test_every_kind_moves_both_ways_and_a_second_run_writes_nothing(
    tmp_path: Path, emu: RunningEmulator
) -> None:
    emu.seed(
        {
            "action_items": [{"description": "Call the bank", "due_at": "2026-03-02T11:00:00Z"}],
            "memories": [{"content": "Prefers window seats on trains", "category": "system"}],
            "conversations": [
                {
                    "title": "Budget review",
                    "overview": "We cut the travel budget.",
                    "created_at": "2026-02-01T10:00:00Z",
                    "transcript_segments": [{"text": "Let us cut travel.", "start": 0, "end": 2}],
                }
            ],
        }
    )
    vault = Vault(tmp_path, emu)
    vault.write("Omi/Tasks.md", "# Tasks\n\n- [ ] Draft the newsletter 📅 2026-03-10\n")
    vault.write("Journal.md", "- [ ] Buy milk #omi\n- [ ] A private task\n")
    vault.write("Omi/Memories/Tea.md", "---\ncategory: system\n---\nLikes green tea.\n")
    vault.write(
        "Omi/Inbox/call.md",
        "Ana: The garden fence needs new posts before winter.\n"
        "Me: I need to order cedar posts from the timber yard.\n",
    )
    out = vault.run()
    assert "vault · conversations: 2 exported to vault, 1 sent to Omi" in out

    items = _items(emu)
    assert {"Call the bank", "Draft the newsletter", "Buy milk"} <= items.keys()
    assert "A private task" not in items
    assert items["Draft the newsletter"]["due_at"].startswith("2026-03-10")
    assert "Likes green tea." in {m["content"] for m in _omi(emu, "memories")}
    made = [
        c
        for c in _omi(emu, "conversations")
        if c["transcript_segments"][0]["text"].startswith("The garden")
    ]
    assert len(made) == 1

    assert ANCHOR_MARK in vault.line_with("Omi/Tasks.md", "Call the bank")
    # What Omi made of the inbox transcript reached the vault in the same run.
    assert ANCHOR_MARK in vault.line_with("Omi/Tasks.md", "Order cedar posts from the timber yard")
    assert ANCHOR_MARK in vault.line_with("Journal.md", "Buy milk")
    assert vault.read("Journal.md").splitlines()[1] == "- [ ] A private task"
    memories = [p.read_text() for p in (vault.root / "Omi/Memories").glob("*.md")]
    assert any("Prefers window seats on trains" in text for text in memories)
    notes = [p.read_text() for p in (vault.root / "Omi/Conversations").glob("*.md")]
    assert any("# 🧠 Budget review" in text for text in notes)
    assert any(f"omi_conversation: {made[0]['id']}" in text for text in notes)
    assert f"omi_conversation: {made[0]['id']}" in vault.read("Omi/Inbox/Sent/call.md")

    before = vault.files()
    emu.clear_stats()
    out = vault.run()
    assert emu.stats()["writes"] == 0
    assert vault.files() == before
    assert "vault · conversations: in sync" in out and "vault · tasks: in sync" in out


def test_a_task_line_moved_to_another_file_keeps_its_link(
    tmp_path: Path, emu: RunningEmulator
) -> None:
    vault = Vault(tmp_path, emu)
    vault.write("Journal.md", "# Monday\n\n- [ ] Buy milk #omi\n")
    vault.run()
    [item_id] = [row["id"] for row in _omi(emu, "action_items")]
    line = vault.line_with("Journal.md", "Buy milk")
    vault.write("Journal.md", "# Monday\n\n")
    vault.write("Projects/Shopping.md", f"# Shopping\n\n{line}\n")
    emu.clear_stats()
    vault.run()
    assert emu.stats()["writes"] == 0
    vault.write("Projects/Shopping.md", f"# Shopping\n\n{line.replace('milk', 'oat milk')}\n")
    vault.run()
    [row] = _omi(emu, "action_items")
    assert (row["id"], row["description"]) == (item_id, "Buy oat milk")


def test_edits_of_different_fields_on_both_sides_merge(
    tmp_path: Path, emu: RunningEmulator
) -> None:
    vault = Vault(tmp_path, emu)
    vault.write("Omi/Tasks.md", "- [ ] Renew the passport\n")
    vault.run()
    [row] = _omi(emu, "action_items")
    _edit_in_omi(emu, row["id"], "Renew both passports")
    vault.write("Omi/Tasks.md", vault.read("Omi/Tasks.md").replace("- [ ]", "- [x]"))
    vault.run()
    [row] = _omi(emu, "action_items")
    assert row["completed"] and row["description"] == "Renew both passports"
    line = vault.line_with("Omi/Tasks.md", "passport")
    assert line.startswith("- [x] Renew both passports")


@pytest.mark.parametrize("policy", ["omi", "manual"])
def test_the_same_field_edited_on_both_sides_follows_the_conflict_policy(
    tmp_path: Path, emu: RunningEmulator, policy: str
) -> None:
    vault = Vault(tmp_path, emu, conflict=policy)
    vault.write("Omi/Tasks.md", "- [ ] Buy milk\n")
    vault.run()
    [row] = _omi(emu, "action_items")
    _edit_in_omi(emu, row["id"], "Buy soy milk")
    vault.write("Omi/Tasks.md", vault.read("Omi/Tasks.md").replace("Buy milk", "Buy oat milk"))
    out = vault.run()
    [row] = _omi(emu, "action_items")
    line = vault.line_with("Omi/Tasks.md", "milk")
    if policy == "omi":
        assert row["description"] == "Buy soy milk" and "Buy soy milk" in line
    else:
        assert "conflict" in out
        assert row["description"] == "Buy soy milk" and "Buy oat milk" in line


def test_an_inbox_file_is_sent_once_even_when_killed_right_after_the_post(
    tmp_path: Path, emu: RunningEmulator
) -> None:
    vault = Vault(tmp_path, emu)
    text = "Reminder of the plan: paint the shed, fix the gate latch and clean the gutters."
    vault.write("Omi/Inbox/plan.md", text)
    vault.run_killed_after_post()
    assert len(_omi(emu, "conversations")) == 1
    assert (vault.root / "Omi/Inbox/plan.md").exists()

    out = vault.run()
    assert "1 recovered from an interrupted run" in out
    [conversation] = _omi(emu, "conversations")
    assert f"omi_conversation: {conversation['id']}" in vault.read("Omi/Inbox/Sent/plan.md")
    assert not (vault.root / "Omi/Inbox/plan.md").exists()

    emu.clear_stats()
    vault.run()
    assert emu.stats()["writes"] == 0 and len(_omi(emu, "conversations")) == 1


def _edit_in_omi(emulator: RunningEmulator, item_id: str, description: str) -> None:
    """Change an action item's description through the API, as the Omi app would."""
    with OmiClient(emulator.base_url, emulator.api_key) as client:
        client.action_items.update(item_id, description=description)


def test_a_copied_memory_note_is_refused_not_merged_into_one_memory(
    tmp_path: Path, emu: RunningEmulator
) -> None:
    """Omi derives a memory's id from its text: a second note with the same text would
    overwrite the first memory, so it is refused and reported instead."""
    vault = Vault(tmp_path, emu)
    vault.write("Omi/Memories/Tea.md", "---\ncategory: system\n---\nLikes green tea.\n")
    vault.write("Omi/Memories/Tea copy.md", "---\ncategory: interesting\n---\nLikes green tea.\n")
    out = vault.run(expect=1)  # partial: one note could not be synced
    [memory] = _omi(emu, "memories")
    assert memory["content"] == "Likes green tea."
    assert "same text as another note" in out, out
    emu.clear_stats()
    again = vault.run(expect=1)
    assert emu.stats()["writes"] == 0
    assert "same text as another note" in again
    [memory_again] = _omi(emu, "memories")
    assert memory_again == memory
