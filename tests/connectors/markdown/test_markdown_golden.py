"""Golden corpus: realistic vault files edited through owned tokens only.

Each file in ``golden/`` is edited as ``golden/edits.json`` says; the result must equal
``golden/expected/<file>`` byte for byte. Independently of the expected files, every line not
edited must be byte-identical, and on edited lines every token omisync does not own (indent,
list marker, priority, other dates, recurrence, tags, ids, trailing spaces) must survive.

The same corpus is also synced through :class:`MarkdownSide` (a snapshot that anchors the
synced lines, an update from Omi, a new Omi task under the heading of the CRLF+BOM tasks file)
and compared with ``golden/side-expected/<file>``.

Regenerate the expected files after a deliberate format change (then review the diff!) with
``python tests/connectors/markdown/test_markdown_golden.py``.
"""

from __future__ import annotations

import json
import re
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from omisync.connectors.markdown import (
    FieldKind,
    MarkdownOptions,
    MarkdownSide,
    NoteText,
    TaskEdit,
    TaskLine,
    edit_task_line,
    parse_task_line,
)
from omisync.sync import Change, Draft, Kind, Written

GOLDEN = Path(__file__).parent / "golden"
EDITS: dict[str, list[dict[str, Any]]] = json.loads((GOLDEN / "edits.json").read_text())
OWNED_FIELDS = {FieldKind.DUE, FieldKind.DONE}
NOW = datetime(2025, 12, 8, 9, 0, tzinfo=UTC).timestamp()


def task_edit(spec: dict[str, Any]) -> TaskEdit:
    """The TaskEdit an edits.json entry describes."""
    values: dict[str, Any] = {k: spec[k] for k in ("description", "done", "block_id") if k in spec}
    for key in ("due", "done_date"):
        if key in spec:
            values[key] = None if spec[key] is None else date.fromisoformat(spec[key])
    return TaskEdit(**values)


def apply_edits(name: str) -> NoteText:
    note = NoteText.decode((GOLDEN / name).read_bytes())
    for spec in EDITS[name]:
        index = spec["line"] - 1
        note.replace_line(index, edit_task_line(note.lines[index], task_edit(spec)))
    return note


def foreign_tokens(task: TaskLine) -> list[tuple[str, str, str]]:
    """Everything on a task line omisync does not own, in order."""
    return [
        (f.kind.value, f.symbol, f.value) for f in task.fields if f.kind not in OWNED_FIELDS
    ] + [("indent", task.indent, task.marker)]


@pytest.mark.parametrize("name", sorted(EDITS))
def test_edits_give_the_expected_bytes(name: str) -> None:
    assert apply_edits(name).encode() == (GOLDEN / "expected" / name).read_bytes()


@pytest.mark.parametrize("name", sorted(EDITS))
def test_only_owned_tokens_change(name: str) -> None:
    original = NoteText.decode((GOLDEN / name).read_bytes())
    edited = apply_edits(name)
    edited_lines = {spec["line"] - 1: spec for spec in EDITS[name]}
    assert len(edited.lines) == len(original.lines)
    assert edited.endings == original.endings
    assert edited.bom == original.bom
    for index, (before, after) in enumerate(zip(original.lines, edited.lines, strict=True)):
        if index not in edited_lines:
            assert after == before, f"{name}:{index + 1} changed without an edit"
            continue
        old, new = parse_task_line(before), parse_task_line(after)
        assert old is not None and new is not None
        assert foreign_tokens(new) == foreign_tokens(old)
        assert after[len(after.rstrip()) :] == before[len(before.rstrip()) :]
        spec = task_edit(edited_lines[index])
        if isinstance(spec.description, str):
            assert new.description == spec.description
        if isinstance(spec.done, bool):
            assert new.is_done == spec.done
        if "due" in edited_lines[index]:
            assert new.due == spec.due
        if "block_id" in edited_lines[index]:
            assert new.block_id == spec.block_id


def test_tasks_in_code_and_comments_are_not_tasks() -> None:
    note = NoteText.decode((GOLDEN / "daily-note.md").read_bytes())
    descriptions = [task.description for _, task in note.tasks()]
    assert not [d for d in descriptions if "fence" in d or "an Obsidian" in d or "an HTML" in d]
    assert "Task with inline comment %% hidden %%" in descriptions
    # `%%` and `<!--` inside inline code spans open no comment: the tasks below them are live.
    assert descriptions[-2:] == [
        "Task below inline code markers",
        "Task below a quoted code marker",
    ]
    assert len(descriptions) == 17
    callouts = NoteText.decode((GOLDEN / "callouts-crlf.md").read_bytes())
    assert [t.description for _, t in callouts.tasks()] == [
        "Draft the proposal",
        "Send invoice",
        "Nested done in callout",
        "Double-quoted task",
        "After the fence",
    ]


def test_emoji_with_and_without_vs16_parse_alike() -> None:
    note = NoteText.decode((GOLDEN / "daily-note.md").read_bytes())
    dues = {task.description: task.due for _, task in note.tasks()}
    assert dues["Tab-indented child"] == date(2025, 12, 20)  # 📅 + VS16
    assert dues["Four-space child"] == date(2025, 12, 21)  # 🗓 + VS16
    assert dues["日本語のタスク"] == date(2025, 12, 24)  # 📆
    assert dues["Weird trailing text 📅 2025-12-30 then words"] is None


# --- the corpus through MarkdownSide ------------------------------------------------------------

#: The corpus file the side uses as its tasks file (CRLF line endings and a BOM).
TASKS_FILE = "tasks-crlf-bom.md"
SIDE_EXPECTED = GOLDEN / "side-expected"
_NEW_ANCHOR = re.compile(r"\^(omi-[a-z2-9]{10})(?![A-Za-z0-9-])")


def sync_corpus(vault: Path) -> dict[str, bytes]:
    """Copy the corpus into ``vault`` and sync it as a MarkdownSide would: a snapshot (which
    anchors every synced line), an update of one linked task from Omi, and a new Omi task;
    return each file's bytes with the anchors omisync minted named ``^omi-new<N>`` in order."""
    originals = {p.name: p.read_bytes() for p in sorted(GOLDEN.glob("*.md"))}
    vault.mkdir()
    for name, data in originals.items():
        (vault / name).write_bytes(data)
    options = MarkdownOptions.parse({"path": str(vault), "settle": 0, "tasks_file": TASKS_FILE})
    side = MarkdownSide("vault", options, zone=ZoneInfo("Europe/Berlin"), clock=lambda: NOW)
    side.snapshot(Kind.TASK)
    [updated] = side.update(
        Kind.TASK,
        [Change("omi-aaaa111111", {"text": "Buy oat milk and honey", "done": True})],
    )
    [created] = side.create(
        Kind.TASK, [Draft("golden", {"text": "Call the plumber", "done": False, "due": None})]
    )
    assert isinstance(updated, Written) and isinstance(created, Written)
    minted: dict[str, str] = {}

    def name_new(found: re.Match[str]) -> str:
        anchor = found.group(1)
        if any(anchor.encode() in data for data in originals.values()):
            return found.group()
        return "^" + minted.setdefault(anchor, f"omi-new{len(minted) + 1}")

    return {
        name: _NEW_ANCHOR.sub(name_new, (vault / name).read_bytes().decode("utf-8")).encode()
        for name in originals
    }


def test_the_corpus_synced_through_the_side_gives_the_expected_bytes(tmp_path: Path) -> None:
    synced = sync_corpus(tmp_path / "vault")
    assert sorted(synced) == sorted(p.name for p in SIDE_EXPECTED.glob("*.md"))
    for name, data in synced.items():
        assert data == (SIDE_EXPECTED / name).read_bytes(), name


def test_the_side_touches_only_anchors_and_the_lines_it_wrote(tmp_path: Path) -> None:
    """Independently of the expected files: with every ``^omi-…`` anchor taken out, each file
    is its original line for line (BOM and line endings included), except the line Omi
    updated and the line Omi added."""
    synced = sync_corpus(tmp_path / "vault")
    for name, data in synced.items():
        before = NoteText.decode((GOLDEN / name).read_bytes())
        after = NoteText.decode(data)
        assert after.bom == before.bom and set(after.endings) == set(before.endings), name
        old = [_ANCHOR_TOKEN.sub("", line) for line in before.lines]
        new = [_ANCHOR_TOKEN.sub("", line) for line in after.lines]
        if name == TASKS_FILE:
            new.remove("- [ ] Call the plumber")
        if name == "daily-note.md":
            assert new[10].startswith("- [x] Buy oat milk and honey #shopping #omi 📅 2025-12-10")
            new[10] = old[10]
        assert new == old, name


_ANCHOR_TOKEN = re.compile(r" \^omi-[a-z0-9-]+")


def regenerate() -> None:
    """Rewrite golden/expected and golden/side-expected from the current code (review the
    diff before committing)."""
    for name in EDITS:
        target = GOLDEN / "expected" / name
        target.parent.mkdir(exist_ok=True)
        target.write_bytes(apply_edits(name).encode())
    with tempfile.TemporaryDirectory() as temp:
        SIDE_EXPECTED.mkdir(exist_ok=True)
        for name, data in sync_corpus(Path(temp) / "vault").items():
            (SIDE_EXPECTED / name).write_bytes(data)


if __name__ == "__main__":
    regenerate()
