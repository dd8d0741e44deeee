"""Notes as bytes and files: exact round trips, live lines, the scanner, atomic writes."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omisync.connectors.markdown import (
    REMOVE,
    FileBusyError,
    FileChangedError,
    FrontmatterError,
    NoteText,
    TaskSelection,
    VaultScanner,
    VaultWriter,
    atomic_write,
    read_frontmatter,
    read_stamped,
    update_frontmatter,
)
from omisync.connectors.markdown.structure import live_lines


@given(st.binary(max_size=300))
def test_any_bytes_round_trip(data: bytes) -> None:
    assert NoteText.decode(data).encode() == data


@given(st.lists(st.text(max_size=40), max_size=12), st.sampled_from(["\n", "\r\n", "\r"]))
def test_editing_one_line_leaves_the_others(lines: list[str], eol: str) -> None:
    clean = [line.replace("\r", "").replace("\n", "") for line in lines] + ["- [ ] task"]
    data = ("\ufeff" + eol.join(clean) + eol).encode("utf-8", "surrogatepass")
    note = NoteText.decode(data)
    index = len(note.lines) - 1
    note.replace_line(index, "- [x] task")
    assert note.encode() == data.replace(b"- [ ] task", b"- [x] task")


def test_live_lines_skip_frontmatter_code_and_comments() -> None:
    lines = [
        "---",
        "- [ ] in frontmatter",
        "---",
        "- [ ] live",  # 3
        "````md",
        "```",
        "- [ ] inside a four-tick fence",
        "````",
        "- [ ] live after fence",  # 8
        "text %% start",
        "- [ ] in comment",
        "end %% - [ ] after the comment ends, but not at line start",
        "<!-- one-line comment -->",
        "- [ ] live again",  # 13
        "> ```",
        "> - [ ] fenced in a quote",
        "> ```",
        "- [ ] last",  # 17
    ]
    assert [i for i, live in enumerate(live_lines(lines)) if live and "[ ]" in lines[i]] == [
        3,
        8,
        13,
        17,
    ]


def test_unclosed_frontmatter_is_not_frontmatter() -> None:
    assert live_lines(["---", "- [ ] a"]) == [True, True]


# --- frontmatter ------------------------------------------------------------------------------


def test_frontmatter_update_keeps_unknown_keys_and_layout() -> None:
    data = (
        b"---\r\ntitle: 'Hi'  # kept\r\naliases:\r\n  - one\r\n\r\n# a comment\r\n"
        b"tags: [a, b]\r\nblock: |\r\n  x\r\n\r\n  y\r\n---\r\nBody\r\n"
    )
    note = NoteText.decode(data)
    assert not update_frontmatter(note, {"tags": ["a", "b"], "title": "Hi"}, "n.md")
    assert note.encode() == data
    assert update_frontmatter(note, {"tags": ["c"], "block": REMOVE, "new": 1}, "n.md")
    assert note.encode() == (
        b"---\r\ntitle: 'Hi'  # kept\r\naliases:\r\n  - one\r\n\r\n# a comment\r\n"
        b"tags:\r\n  - c\r\nnew: 1\r\n---\r\nBody\r\n"
    )


def test_invalid_frontmatter_names_the_file() -> None:
    with pytest.raises(FrontmatterError, match=r"n\.md line 2: .*not valid YAML"):
        read_frontmatter(NoteText.decode(b"---\nkey: [x\n---\n"), "n.md")
    with pytest.raises(FrontmatterError, match="key: value"):
        read_frontmatter(NoteText.decode(b"---\n- a list\n---\n"), "n.md")


# --- scanner ----------------------------------------------------------------------------------


def make_vault(root: Path, notes: int) -> None:
    for i in range(notes):
        folder = root / f"f{i % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"n{i}.md").write_text(f"# {i}\n- [ ] task {i} #omi\n- [ ] other {i}\n")
    (root / ".obsidian").mkdir()
    (root / ".obsidian" / "x.md").write_text("- [ ] hidden #omi\n")


def test_scanner_reads_only_changed_notes(tmp_path: Path) -> None:
    make_vault(tmp_path, 30)
    scanner = VaultScanner(tmp_path, TaskSelection(tasks_file="Tasks.md", tag="#omi"))
    first = scanner.scan()
    assert (first.files_read, first.files_statted, len(first.tasks)) == (30, 30, 30)
    assert first.vault_wide
    second = scanner.scan()
    assert (second.files_read, second.files_statted, len(second.tasks)) == (0, 30, 30)
    (tmp_path / "f3" / "n3.md").write_text("- [ ] changed #omi\n- [ ] more #omi\n")
    third = scanner.scan()
    assert third.files_read == 1 and len(third.tasks) == 31
    (tmp_path / "f3" / "n3.md").unlink()
    assert len(scanner.scan().tasks) == 29


def test_scanner_cache_survives_a_restart(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    make_vault(vault, 10)
    selection = TaskSelection(tasks_file="Tasks.md", tag="#omi")
    cache = tmp_path / "cache.json"
    scanner = VaultScanner(vault, selection)
    scanner.scan()
    scanner.save_cache(cache)
    restarted = VaultScanner(vault, selection)
    assert restarted.load_cache(cache)
    result = restarted.scan()
    assert result.files_read == 0 and len(result.tasks) == 10
    other = VaultScanner(vault, TaskSelection(tasks_file="Other.md"))
    assert not other.load_cache(cache)  # made for another selection
    cache.write_text("{not json")
    assert not VaultScanner(vault, selection).load_cache(cache)


def test_selection_by_file_folder_tag_and_anchor(tmp_path: Path) -> None:
    (tmp_path / "Work").mkdir()
    (tmp_path / "Omi" / "Memories").mkdir(parents=True)
    (tmp_path / "Tasks.md").write_text("- [ ] in the tasks file\n")
    (tmp_path / "Work" / "a.md").write_text("- [ ] in a chosen folder\n")
    (tmp_path / "b.md").write_text(
        "- [ ] nested tag #omi/work\n- [ ] anchored ^omi-abc\n- [ ] history ^omi-abc-done\n"
        "- [ ] plain\n- [ ] #OMI upper-case\n"
    )
    (tmp_path / "Omi" / "Memories" / "m.md").write_text("- [ ] in a skipped folder #omi\n")
    selection = TaskSelection(
        tasks_file="Tasks.md", folders=("Work",), tag="#omi", skip_folders=("Omi/Memories",)
    )
    found = VaultScanner(tmp_path, selection).scan().tasks
    assert sorted(t.task.description for t in found) == [
        "#OMI upper-case",
        "anchored",
        "in a chosen folder",
        "in the tasks file",
        "nested tag",
    ]


def test_a_busy_note_is_not_read_and_the_scan_is_not_vault_wide(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("- [ ] a #omi\n")
    now = time.time()
    scanner = VaultScanner(
        tmp_path, TaskSelection(tasks_file="T.md", tag="#omi"), settle_seconds=5, clock=lambda: now
    )
    result = scanner.scan()
    assert result.unsettled == ["a.md"] and not result.vault_wide and result.files_read == 0
    os.utime(tmp_path / "a.md", (now - 10, now - 10))
    result = scanner.scan()
    assert result.vault_wide and result.files_read == 1


# --- atomic writes ----------------------------------------------------------------------------


def test_atomic_write_replaces_only_an_unchanged_file(tmp_path: Path) -> None:
    path = tmp_path / "n.md"
    path.write_bytes(b"one\n")
    os.chmod(path, 0o640)
    _, stamp = read_stamped(path)
    new = atomic_write(path, b"two\n", expected=stamp)
    assert path.read_bytes() == b"two\n" and new.size == 4
    assert path.stat().st_mode & 0o777 == 0o640
    with pytest.raises(FileChangedError, match="edited since it was read"):
        atomic_write(path, b"three\n", expected=stamp)
    assert path.read_bytes() == b"two\n"
    assert [p.name for p in tmp_path.iterdir()] == ["n.md"]  # no temp file left


def test_atomic_write_of_a_touched_but_same_file_proceeds(tmp_path: Path) -> None:
    path = tmp_path / "n.md"
    path.write_bytes(b"same\n")
    _, stamp = read_stamped(path)
    os.utime(path, (1, 1))
    atomic_write(path, b"new\n", expected=stamp)
    assert path.read_bytes() == b"new\n"


def test_atomic_write_creates_but_never_clobbers(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "new.md"
    atomic_write(path, b"x", expected=None)
    assert path.read_bytes() == b"x"
    with pytest.raises(FileChangedError, match="created by someone else"):
        atomic_write(path, b"y", expected=None)


def test_a_file_being_edited_waits(tmp_path: Path) -> None:
    path = tmp_path / "n.md"
    path.write_bytes(b"x")
    _, stamp = read_stamped(path)
    with pytest.raises(FileBusyError, match="less than 5 s ago"):
        atomic_write(path, b"y", expected=stamp, settle_seconds=5, clock=time.time)
    assert path.read_bytes() == b"x"


def test_a_writer_may_rewrite_its_own_fresh_write_but_not_the_users(tmp_path: Path) -> None:
    path = tmp_path / "Tasks.md"
    path.write_bytes(b"- [ ] typed a minute ago\n")
    os.utime(path, (time.time() - 60, time.time() - 60))
    writer = VaultWriter(settle_seconds=5)
    _, stamp = read_stamped(path)
    ours = writer.write(path, b"- [ ] anchored ^omi-a\n", expected=stamp)
    again = writer.write(path, b"- [ ] anchored ^omi-a\n- [ ] from Omi\n", expected=ours)
    path.write_bytes(path.read_bytes() + b"- [ ] the user types\n")
    _, theirs = read_stamped(path)
    with pytest.raises(FileBusyError, match="less than 5 s ago"):
        writer.write(path, b"overwrite\n", expected=theirs)
    assert again.size < theirs.size and path.read_bytes().endswith(b"the user types\n")
