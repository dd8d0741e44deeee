"""The Markdown vault end to end: ``omisync run --once`` (a real subprocess) against the Omi
emulator, with a vault in ``tmp_path``: every kind both ways, moves, concurrent edits, quiet
second runs, and an inbox file sent exactly once across a SIGKILL right after the POST."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
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

    def __init__(
        self, root: Path, emulator: RunningEmulator, conflict: str = "omi", **connector: Any
    ) -> None:
        """``connector``: more keys of the vault connector; ``minimal=True`` writes only its
        ``type`` and ``path`` (every other option at its default, e.g. a 5 s settle)."""
        self.root = root / "vault"
        self.root.mkdir(parents=True, exist_ok=True)
        self.emulator = emulator
        self.config = root / "config.yaml"
        vault: dict[str, Any] = {"type": "markdown", "path": str(self.root)}
        if not connector.pop("minimal", False):
            vault |= {"settle": 0, "conflict": conflict, **connector}
        settings: dict[str, Any] = {
            "omi": {
                "base_url": emulator.base_url,
                "api_key": "${OMI_API_KEY}",
                "timezone": "Europe/Berlin",
                "timeout": 10,
            },
            "state": {"path": str(root / "state.db")},
            "connectors": {"vault": vault},
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
            [
                *(sys.executable, "-m", "omisync", "run", "--once"),
                *("--config", str(self.config), *extra),
            ],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=60,
            check=False,
        )
        assert result.returncode == expect, result.stdout + result.stderr
        return result.stdout

    def run_quiet(self, expect: int = 0) -> str:
        """A run that must write nothing anywhere (Omi or the vault); its output."""
        before = self.files()
        self.emulator.clear_stats()
        out = self.run(expect=expect)
        assert self.emulator.stats()["writes"] == 0, out
        assert self.files() == before, out
        return out

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
    sent = vault.read("Omi/Inbox/Sent/call.md")
    assert f"omi_conversation: {made[0]['id']}" in sent
    [link] = [line.split("[[")[1].split("]]")[0] for line in sent.splitlines() if "[[" in line]
    assert f"omi_conversation: {made[0]['id']}" in vault.read(f"{link}.md")  # the note it became

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


# --- memories ---------------------------------------------------------------------------------


def _memories(emulator: RunningEmulator) -> dict[str, dict[str, Any]]:
    return {row["content"]: row for row in _omi(emulator, "memories")}


def _note_with(vault: Vault, text: str) -> Path:
    [path] = [p for p in (vault.root / "Omi/Memories").rglob("*.md") if text in p.read_text()]
    return path


def test_memory_edits_and_moves_flow_both_ways(tmp_path: Path, emu: RunningEmulator) -> None:
    emu.seed({"memories": [{"content": "Prefers window seats on trains", "category": "system"}]})
    vault = Vault(tmp_path, emu)
    vault.write("Omi/Memories/Tea.md", "---\ncategory: system\n---\nLikes green tea.\n")
    vault.run()
    tea_id = _memories(emu)["Likes green tea."]["id"]
    seats = _note_with(vault, "Prefers window seats")

    tea = vault.root / "Omi/Memories/Tea.md"
    tea.write_text(tea.read_text().replace("green tea", "jasmine tea"))
    with OmiClient(emu.base_url, emu.api_key) as client:
        client.memories.update(_memories(emu)["Prefers window seats on trains"]["id"],
                               content="Prefers aisle seats on trains")  # fmt: skip
    vault.run()
    assert _memories(emu)["Likes jasmine tea."]["id"] == tea_id
    assert seats.read_text().endswith("---\nPrefers aisle seats on trains\n")

    moved = vault.root / "Omi/Memories/Drinks/Jasmine.md"
    moved.parent.mkdir()
    tea.rename(moved)
    vault.run_quiet()
    assert len(_omi(emu, "memories")) == 2
    moved.write_text(moved.read_text().replace("jasmine tea", "jasmine tea, no sugar"))
    vault.run()
    assert _memories(emu)["Likes jasmine tea, no sugar."]["id"] == tea_id
    assert len(_omi(emu, "memories")) == 2


def _delete_both_ways(vault: Vault, emu: RunningEmulator) -> tuple[str, str]:
    """Link two tasks and two memories, then delete one of each in the vault and the other
    in Omi; return the two run outputs (the linking run's and the deleting run's)."""
    vault.write("Omi/Tasks.md", "- [ ] Vault-deleted task\n- [ ] Omi-deleted task\n")
    vault.write("Omi/Memories/A.md", "Vault-deleted memory\n")
    vault.write("Omi/Memories/B.md", "Omi-deleted memory\n")
    first = vault.run()
    tasks = vault.read("Omi/Tasks.md").splitlines()
    vault.write("Omi/Tasks.md", tasks[1] + "\n")
    (vault.root / "Omi/Memories/A.md").unlink()
    with OmiClient(emu.base_url, emu.api_key) as client:
        client.action_items.delete(_items(emu)["Omi-deleted task"]["id"])
        client.memories.delete(_memories(emu)["Omi-deleted memory"]["id"])
    return first, vault.run()


def test_deletes_follow_on_delete_delete_both_ways(tmp_path: Path, emu: RunningEmulator) -> None:
    vault = Vault(tmp_path, emu, on_delete="delete")
    _, out = _delete_both_ways(vault, emu)
    assert "vault · tasks: 1 deleted in Omi, 1 deleted in vault" in out, out
    assert "vault · notes: 1 deleted in Omi, 1 deleted in vault" in out, out
    assert not _items(emu) and not _memories(emu)
    assert vault.read("Omi/Tasks.md") == ""
    assert not list((vault.root / "Omi/Memories").glob("*.md"))
    assert (vault.root / ".trash/B.md").read_text().endswith("Omi-deleted memory\n")


def test_deletes_under_the_default_policy_complete_tasks_and_keep_memories(
    tmp_path: Path, emu: RunningEmulator
) -> None:
    """The default ``on_delete: complete`` ticks the other side's task; a memory cannot be
    completed, so the other side keeps its memory (the note or the Omi memory): nothing is
    written for the notes, the link is dropped so the kept one is not re-created, and the
    run says what it kept and why."""
    vault = Vault(tmp_path, emu)
    _, out = _delete_both_ways(vault, emu)
    assert (
        "vault · tasks: 1 completed in Omi (deleted in vault; on_delete: complete), "
        "1 completed in vault (deleted in Omi; on_delete: complete)"
    ) in out, out
    assert (
        "vault · notes: 1 kept in Omi (deleted in vault; on_delete: complete keeps notes and "
        "done tasks), 1 kept in vault (deleted in Omi; on_delete: complete keeps notes and "
        "done tasks)"
    ) in out, out
    assert _items(emu)["Vault-deleted task"]["completed"]
    assert vault.line_with("Omi/Tasks.md", "Omi-deleted task").startswith("- [x] Omi-deleted")
    assert set(_memories(emu)) == {"Vault-deleted memory"}
    assert vault.read("Omi/Memories/B.md").endswith("Omi-deleted memory\n")
    vault.run_quiet()


# --- recurring tasks, the two-line config, time zones ------------------------------------------


def test_a_recurring_task_ticked_the_tasks_plugin_way_makes_no_duplicate(
    tmp_path: Path, emu: RunningEmulator
) -> None:
    vault = Vault(tmp_path, emu)
    vault.write("Omi/Tasks.md", "- [ ] Water the plants 🔁 every week 📅 2026-03-09\n")
    vault.run()
    [row] = _omi(emu, "action_items")
    line = vault.line_with("Omi/Tasks.md", "Water")
    # What Obsidian Tasks does on a tick: the done line gets ✅, the next instance goes above.
    vault.write(
        "Omi/Tasks.md",
        "- [ ] Water the plants 🔁 every week 📅 2026-03-16\n"
        + line.replace("- [ ]", "- [x]").replace(" ^omi-", " ✅ 2026-03-09 ^omi-")
        + "\n",
    )
    vault.run()
    [after] = _omi(emu, "action_items")
    assert after["id"] == row["id"] and not after["completed"]
    assert after["due_at"].startswith("2026-03-16")
    lines = vault.read("Omi/Tasks.md").splitlines()
    assert lines[0].endswith(line[line.index(" ^omi-") :])  # the open line carries the link
    assert lines[1].endswith("-done")  # the ticked copy keeps only history
    vault.run_quiet()
    assert len(_omi(emu, "action_items")) == 1


def _age(root: Path, seconds: float = 60) -> None:
    """Date every file under ``root`` ``seconds`` back (past the default 5 s settle)."""
    past = time.time() - seconds
    for path in root.rglob("*"):
        os.utime(path, (past, past))


def test_a_two_line_connector_config_in_another_process_zone_keeps_dates(
    tmp_path: Path, emu: RunningEmulator
) -> None:
    """Only ``type`` and ``path`` for the connector; the process runs at UTC+14 while the
    config says Europe/Berlin: date-only dues move unshifted both ways, and stay put."""
    emu.seed({"action_items": [{"description": "Pay the rent", "due_at": "2026-04-01T10:00:00Z"}]})
    vault = Vault(tmp_path, emu, minimal=True)
    vault.env["TZ"] = "Pacific/Kiritimati"
    vault.write("Omi/Tasks.md", "- [ ] Book the dentist 📅 2026-03-10\n")
    vault.write("Journal.md", "- [ ] Buy milk #omi 📅 2026-03-31\n")
    vault.write("Omi/Memories/Tea.md", "Likes green tea.\n")
    _age(vault.root)
    out = vault.run()
    assert "vault · tasks: 2 created in Omi, 1 created in vault" in out, out
    items = _items(emu)
    assert items["Book the dentist"]["due_at"].startswith("2026-03-10T11:00")  # Berlin noon
    assert items["Buy milk"]["due_at"].startswith("2026-03-31T10:00")  # summer time
    assert "Pay the rent 📅 2026-04-01 ^omi-" in vault.line_with("Omi/Tasks.md", "rent")
    assert set(_memories(emu)) == {"Likes green tea."}
    assert (tmp_path / "vault-cache" / "vault.json").exists()  # the default scan cache
    _age(vault.root)
    vault.run_quiet()


def test_a_memory_note_over_omis_limit_is_refused_and_left_whole(
    tmp_path: Path, emu: RunningEmulator
) -> None:
    vault = Vault(tmp_path, emu)
    body = "I keep a long list of the books I want to read this year. " * 10
    note = vault.write("Omi/Memories/Long.md", body.strip() + "\n")
    out = vault.run(expect=1)  # partial: the note could not be synced
    assert "vault · notes: 1 refused" in out, out
    assert "vault · notes: refused: Omi/Memories/Long.md: " in out, out  # the note's path
    assert f"is {len(body.strip())} characters; Omi accepts at most 500" in out, out
    assert "omisync never truncates" in out
    assert not _omi(emu, "memories")
    assert note.read_text().endswith("\n" + body.strip() + "\n")  # only an omisync_id added
    assert "1 refused" in vault.run_quiet(expect=1)  # refused again, nothing written


def test_an_inbox_file_being_edited_is_reported_and_waits(
    tmp_path: Path, emu: RunningEmulator
) -> None:
    vault = Vault(tmp_path, emu, settle="1h")
    vault.write("Omi/Inbox/draft.md", "Ana: Shall we paint the shed?\nMe: Yes, on Sunday.\n")
    out = vault.run()
    assert "vault · conversations: 1 inbox file is being edited; sent next cycle" in out, out
    assert not _omi(emu, "conversations") and (vault.root / "Omi/Inbox/draft.md").exists()


def test_notes_being_edited_are_reported_and_synced_once_settled(
    tmp_path: Path, emu: RunningEmulator
) -> None:
    vault = Vault(tmp_path, emu, settle="1h")
    vault.write("Journal.md", "- [ ] Buy milk #omi\n")
    vault.write("Omi/Memories/Tea.md", "Likes green tea.\n")
    out = vault.run()
    assert (
        "vault · tasks: Journal.md is being edited (changed in the last 1h); read next cycle"
    ) in out, out
    assert (
        "vault · notes: Omi/Memories/Tea.md is being edited (changed in the last 1h); "
        "read next cycle"
    ) in out, out
    assert not _omi(emu, "action_items") and not _omi(emu, "memories")
    _age(vault.root, seconds=2 * 3600)
    out = vault.run()
    assert "being edited" not in out, out
    assert set(_items(emu)) == {"Buy milk"} and set(_memories(emu)) == {"Likes green tea."}


def test_a_line_copied_with_its_anchor_is_reported_and_becomes_a_new_task(
    tmp_path: Path, emu: RunningEmulator
) -> None:
    vault = Vault(tmp_path, emu)
    vault.write("Omi/Tasks.md", "- [ ] Water the plants\n")
    vault.run()
    line = vault.read("Omi/Tasks.md").strip()
    anchor = line[line.index("^omi-") :]
    vault.write("Garden.md", "Copied from the tasks file:\n" + line.replace("Water", "Feed") + "\n")
    out = vault.run()
    assert (
        f"vault · tasks: Garden.md:2: anchor {anchor} is also on Omi/Tasks.md:1; "
        "this copy becomes a new task"
    ) in out, out
    assert set(_items(emu)) == {"Water the plants", "Feed the plants"}
    assert "also on" not in vault.run_quiet()  # the copy has its own anchor now


def test_a_dry_run_shows_new_vault_tasks_going_to_omi_and_writes_nothing(
    tmp_path: Path, emu: RunningEmulator
) -> None:
    vault = Vault(tmp_path, emu)
    vault.write("Omi/Tasks.md", "# Tasks\n\n- [ ] Water the plants 📅 2026-03-01\n")
    before = vault.files()
    emu.clear_stats()

    out = vault.run("--dry-run")

    assert "Water the plants" in out, out
    assert emu.stats()["writes"] == 0
    assert vault.files() == before
    assert not (tmp_path / "state.db").exists()
