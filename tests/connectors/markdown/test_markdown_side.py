"""MarkdownSide against real vault folders: tasks and memory notes through the Side protocol."""

from __future__ import annotations

import os
import re
import tempfile
from datetime import UTC, date, datetime
from importlib.metadata import entry_points
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omisync.config import ConfigError, load_config
from omisync.connectors.markdown import (
    MarkdownOptions,
    MarkdownSide,
    anchor_for_stamp,
    default_cache_file,
    parse_task_line,
)
from omisync.plugins import connector_types, options_model
from omisync.session import Session
from omisync.sync import (
    Change,
    DeleteMode,
    Draft,
    Failed,
    ItemGoneError,
    ItemRejectedError,
    Kind,
    Presence,
    Side,
    SideError,
    TransientError,
    Written,
)

NOW = datetime(2025, 12, 8, 9, 0, tzinfo=UTC).timestamp()


def make_side(
    vault: Path, *, dry_run: bool = False, settle: float = 0, **extra: object
) -> MarkdownSide:
    options = MarkdownOptions.parse({"path": str(vault), "settle": settle, **extra})
    return MarkdownSide("vault", options, zone=ZoneInfo("Europe/Berlin"), dry_run=dry_run,
                        clock=lambda: NOW)  # fmt: skip


def write(vault: Path, rel: str, text: str) -> Path:
    path = vault / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode())
    return path


def anchor_of(line: str) -> str:
    task = parse_task_line(line)
    assert task is not None and task.block_id is not None, line
    return task.block_id


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "Vault"
    write(root, "Omi/Tasks.md", "# Tasks\n\n- [ ] Buy milk 📅 2025-12-10\n- [x] Old, done\n")
    write(root, "Daily/2025-12-08.md", "Notes\n- [ ] Call Ana #omi ⏫\n- [ ] Not synced\n")
    write(root, "Projects/x.md", "```\n- [ ] in code #omi\n```\n")
    return root


def test_markdown_side_is_a_side(vault: Path) -> None:
    assert isinstance(make_side(vault), Side)


def test_snapshot_anchors_new_lines_and_lists_them(vault: Path) -> None:
    side = make_side(vault)
    snapshot = side.snapshot(Kind.TASK)
    assert snapshot.complete
    assert sorted(p["text"] for p in snapshot.items.values()) == ["Buy milk", "Call Ana"]
    tasks_file = (vault / "Omi/Tasks.md").read_text().splitlines()
    daily = (vault / "Daily/2025-12-08.md").read_text().splitlines()
    assert snapshot.items[anchor_of(tasks_file[2])] == {
        "text": "Buy milk",
        "done": False,
        "due": "2025-12-10",
    }
    assert anchor_of(daily[1]) in snapshot.items
    assert set(snapshot.modified) == set(snapshot.items)
    assert tasks_file[3] == "- [x] Old, done"  # a done line never linked is not imported
    assert daily[2] == "- [ ] Not synced"
    again = make_side(vault).snapshot(Kind.TASK)
    assert again.items == snapshot.items


def test_the_snapshot_says_where_each_task_and_note_is(vault: Path) -> None:
    write(vault, "Omi/Memories/Trips/Lisbon.md", "Loves the trams in Lisbon.\n")
    side = make_side(vault)
    tasks = side.snapshot(Kind.TASK)
    assert sorted(tasks.where.values()) == ["Daily/2025-12-08.md:2", "Omi/Tasks.md:3"]
    assert set(tasks.where) == set(tasks.items)
    [(note_id, where)] = side.snapshot(Kind.NOTE).where.items()
    assert where == "Omi/Memories/Trips/Lisbon.md"
    assert note_id in side.snapshot(Kind.NOTE).items


def test_unchanged_vault_is_not_reread(vault: Path) -> None:
    side = make_side(vault)
    side.snapshot(Kind.TASK)
    before = {p: p.stat().st_mtime_ns for p in vault.rglob("*.md")}
    side.snapshot(Kind.TASK)
    assert side.tasks.scanner.scan().files_read == 0
    assert {p: p.stat().st_mtime_ns for p in vault.rglob("*.md")} == before


def test_a_moved_line_keeps_its_identity(vault: Path) -> None:
    side = make_side(vault)
    first = side.snapshot(Kind.TASK)
    tasks = (vault / "Omi/Tasks.md").read_text().splitlines(keepends=True)
    moved = tasks.pop(2)
    (vault / "Omi/Tasks.md").write_text("".join(tasks))
    write(vault, "Elsewhere/moved.md", "Moved here, no tag:\n" + moved)
    second = side.snapshot(Kind.TASK)
    assert second.complete
    assert second.items == first.items


@pytest.mark.parametrize("marker", ["`%%`", "`<!--`", "`` `%%` ``"])
def test_a_comment_marker_in_inline_code_hides_no_linked_task(vault: Path, marker: str) -> None:
    side = make_side(vault)
    first = side.snapshot(Kind.TASK)
    tasks = (vault / "Omi/Tasks.md").read_text()
    write(vault, "Omi/Tasks.md", f"Tip: {marker} starts a comment.\n" + tasks)
    second = side.snapshot(Kind.TASK)
    assert second.complete and second.items == first.items
    assert side.verify(Kind.TASK, list(first.items)) == dict.fromkeys(first.items, Presence.PRESENT)


def test_a_missing_anchor_is_gone_only_after_a_vault_wide_scan(vault: Path) -> None:
    side = make_side(vault)
    first = side.snapshot(Kind.TASK)
    (vault / "Daily/2025-12-08.md").write_text("Notes\n")
    second = side.snapshot(Kind.TASK)
    gone = sorted(set(first.items) - set(second.items))
    assert len(gone) == 1 and second.complete
    assert side.verify(Kind.TASK, gone) == {gone[0]: Presence.GONE}
    busy = make_side(vault, settle=3600)
    write(vault, "Daily/new.md", "- [ ] fresh #omi\n")
    os.utime(vault / "Daily/new.md", (NOW, NOW))
    snapshot = busy.snapshot(Kind.TASK)
    assert not snapshot.complete
    with pytest.raises(SideError, match="not vault-wide"):
        busy.verify(Kind.TASK, gone)


def test_update_changes_only_owned_tokens(vault: Path) -> None:
    side = make_side(vault)
    snapshot = side.snapshot(Kind.TASK)
    daily_before = (vault / "Daily/2025-12-08.md").read_bytes()
    [milk] = [i for i, p in snapshot.items.items() if p["text"] == "Buy milk"]
    [outcome] = side.update(
        Kind.TASK, [Change(milk, {"text": "Buy oat milk", "done": True, "due": None})]
    )
    assert outcome == Written(milk, {"text": "Buy oat milk", "done": True, "due": None})
    lines = (vault / "Omi/Tasks.md").read_text().splitlines()
    assert lines[2] == f"- [x] Buy oat milk ✅ 2025-12-08 ^{milk}"
    assert lines[:2] == ["# Tasks", ""] and lines[3] == "- [x] Old, done"
    assert (vault / "Daily/2025-12-08.md").read_bytes() == daily_before
    assert side.snapshot(Kind.TASK).items[milk] == outcome.held


def test_a_timed_omi_due_lands_on_the_users_day(vault: Path) -> None:
    side = make_side(vault)
    [milk] = [i for i, p in side.snapshot(Kind.TASK).items.items() if p["text"] == "Buy milk"]
    [outcome] = side.update(Kind.TASK, [Change(milk, {"due": "2025-12-10T23:30:00Z"})])
    assert isinstance(outcome, Written) and outcome.held is not None
    assert outcome.held["due"] == "2025-12-11"  # 00:30 in Berlin


def test_update_waits_when_the_file_changed_since_the_snapshot(vault: Path) -> None:
    side = make_side(vault)
    [milk] = [i for i, p in side.snapshot(Kind.TASK).items.items() if p["text"] == "Buy milk"]
    path = vault / "Omi/Tasks.md"
    user_version = path.read_text() + "- [ ] typed just now\n"
    path.write_text(user_version)
    [outcome] = side.update(Kind.TASK, [Change(milk, {"done": True})])
    assert isinstance(outcome, Failed) and isinstance(outcome.error, TransientError)
    assert path.read_text() == user_version


def test_update_of_an_unknown_anchor_fails_as_gone(vault: Path) -> None:
    side = make_side(vault)
    side.snapshot(Kind.TASK)
    [outcome] = side.update(Kind.TASK, [Change("omi-nothere", {"done": True})])
    assert isinstance(outcome, Failed) and isinstance(outcome.error, ItemGoneError)


def test_create_goes_under_the_heading_once(vault: Path) -> None:
    side = make_side(vault)
    side.snapshot(Kind.TASK)
    drafts = [
        Draft("stamp-1", {"text": "From Omi", "done": False, "due": "2025-12-24"}),
        Draft("stamp-2", {"text": "Done in Omi", "done": True, "due": None}),
    ]
    outcomes = side.create(Kind.TASK, drafts)
    assert [o.item_id for o in outcomes] == [
        anchor_for_stamp("stamp-1"),
        anchor_for_stamp("stamp-2"),
    ]
    text = (vault / "Omi/Tasks.md").read_text()
    assert text.endswith(
        "\n## From Omi\n\n"
        f"- [ ] From Omi 📅 2025-12-24 ^{anchor_for_stamp('stamp-1')}\n"
        f"- [x] Done in Omi ✅ 2025-12-08 ^{anchor_for_stamp('stamp-2')}\n"
    )
    fresh = make_side(vault)  # a new process after a crash
    found = fresh.find_created(Kind.TASK, drafts)
    assert set(found) == {"stamp-1", "stamp-2"}
    fresh.create(Kind.TASK, drafts[:1])
    assert (vault / "Omi/Tasks.md").read_text() == text  # not added twice
    side.create(Kind.TASK, [Draft("stamp-3", {"text": "Third", "done": False, "due": None})])
    lines = (vault / "Omi/Tasks.md").read_text().splitlines()
    assert lines[-1].startswith("- [ ] Third ^omi-")


def test_delete_removes_the_line_and_complete_ticks_it(vault: Path) -> None:
    side = make_side(vault)
    items = side.snapshot(Kind.TASK).items
    [milk] = [i for i, p in items.items() if p["text"] == "Buy milk"]
    [ana] = [i for i, p in items.items() if p["text"] == "Call Ana"]
    assert side.delete(Kind.TASK, [ana], DeleteMode.COMPLETE)[0] == Written(
        ana, {"text": "Call Ana", "done": True, "due": None}
    )
    assert side.delete(Kind.TASK, [milk, "omi-gone"], DeleteMode.DELETE) == [
        Written(milk, None),
        Written("omi-gone", None),
    ]
    assert "Buy milk" not in (vault / "Omi/Tasks.md").read_text()
    assert "- [x] Call Ana #omi ⏫ ✅ 2025-12-08 ^" in (vault / "Daily/2025-12-08.md").read_text()


@pytest.mark.parametrize("copied_anchor", [False, True])
def test_completing_a_recurring_task_advances_it(vault: Path, copied_anchor: bool) -> None:
    write(vault, "Omi/Tasks.md", "- [ ] Water plants 🔁 every week 📅 2025-12-08 ^omi-water1\n")
    side = make_side(vault)
    assert side.snapshot(Kind.TASK).items["omi-water1"]["due"] == "2025-12-08"
    suffix = " ^omi-water1" if copied_anchor else ""
    write(
        vault,
        "Omi/Tasks.md",
        f"- [ ] Water plants 🔁 every week 📅 2025-12-15{suffix}\n"
        "- [x] Water plants 🔁 every week 📅 2025-12-08 ✅ 2025-12-08 ^omi-water1\n",
    )
    items = side.snapshot(Kind.TASK).items
    assert items["omi-water1"] == {"text": "Water plants", "done": False, "due": "2025-12-15"}
    assert [p["text"] for p in items.values()].count("Water plants") == 1
    assert (vault / "Omi/Tasks.md").read_text() == (
        "- [ ] Water plants 🔁 every week 📅 2025-12-15 ^omi-water1\n"
        "- [x] Water plants 🔁 every week 📅 2025-12-08 ✅ 2025-12-08 ^omi-water1-done\n"
    )
    assert make_side(vault).snapshot(Kind.TASK).items == items


def test_a_copied_line_becomes_a_new_task(vault: Path) -> None:
    write(vault, "Omi/Tasks.md", "- [ ] Original ^omi-orig1\n")
    write(vault, "Other.md", "- [ ] Copy of it ^omi-orig1\n")
    side = make_side(vault)
    snapshot = side.snapshot(Kind.TASK)
    items = snapshot.items
    assert items["omi-orig1"]["text"] == "Original"
    assert len(items) == 3  # Original, the re-anchored copy, Call Ana
    assert snapshot.problems == (
        "Other.md:1: anchor ^omi-orig1 is also on Omi/Tasks.md:1; this copy becomes a new task",
    )
    assert anchor_of((vault / "Other.md").read_text().strip()) != "omi-orig1"


def test_notes_being_edited_are_left_for_the_next_cycle_and_named(vault: Path) -> None:
    write(vault, "Omi/Memories/Tea.md", "Likes green tea.\n")
    write(vault, "Daily/2025-12-09.md", "- [ ] Buy bread #omi\n")
    for path in vault.rglob("*.md"):
        os.utime(path, (NOW - 60, NOW - 60))
    for busy in ("Daily/2025-12-08.md", "Omi/Memories/Tea.md"):
        os.utime(vault / busy, (NOW - 2, NOW - 2))
    side = make_side(vault, settle=5)
    tasks = side.snapshot(Kind.TASK)
    assert not tasks.complete
    assert tasks.problems == (
        "Daily/2025-12-08.md is being edited (changed in the last 5s); read next cycle",
    )
    notes = side.snapshot(Kind.NOTE)
    assert notes.problems == (
        "Omi/Memories/Tea.md is being edited (changed in the last 5s); read next cycle",
    )
    os.utime(vault / "Daily/2025-12-09.md", (NOW - 1, NOW - 1))
    assert make_side(vault, settle=5).snapshot(Kind.TASK).problems == (
        "2 files are being edited (changed in the last 5s); read next cycle: "
        "Daily/2025-12-08.md, Daily/2025-12-09.md",
    )


def test_dry_run_writes_nothing(vault: Path) -> None:
    before = {p: p.read_bytes() for p in vault.rglob("*.md")}
    side = make_side(vault, dry_run=True)
    snapshot = side.snapshot(Kind.TASK)
    outcomes = side.create(Kind.TASK, [Draft("s", {"text": "x", "done": False, "due": None})])
    assert isinstance(outcomes[0], Failed)
    assert {p: p.read_bytes() for p in vault.rglob("*.md")} == before
    # New lines are listed as a real run lists them once it has anchored them, so the dry
    # run's plan shows them going to Omi; the listing is as complete as a real run's.
    real = make_side(vault).snapshot(Kind.TASK)
    assert sorted(p["text"] for p in snapshot.items.values()) == sorted(
        p["text"] for p in real.items.values()
    )
    assert snapshot.complete is real.complete


def test_a_missing_vault_is_a_listing_error(tmp_path: Path) -> None:
    with pytest.raises(SideError, match="does not exist"):
        make_side(tmp_path / "nope").snapshot(Kind.TASK)


# --- notes ------------------------------------------------------------------------------------


def test_memory_notes_both_ways(vault: Path) -> None:
    write(vault, "Omi/Memories/Coffee.md", "---\nsource: me\n---\nLikes oat milk in coffee.\n")
    side = make_side(vault)
    snapshot = side.snapshot(Kind.NOTE)
    [(note_id, projection)] = snapshot.items.items()
    assert projection == {
        "text": "Likes oat milk in coffee.",
        "category": None,
        "tags": [],
        "visibility": "private",
    }
    text = (vault / "Omi/Memories/Coffee.md").read_text()
    assert text.startswith(f"---\nsource: me\nomisync_id: {note_id}\n")
    [created] = side.create(
        Kind.NOTE,
        [Draft("m1", {"text": "Runs on Sundays", "category": "habits", "tags": ["sport"]})],
    )
    assert isinstance(created, Written)
    assert created.held == {
        "text": "Runs on Sundays",
        "category": "habits",
        "tags": ["sport"],
        "visibility": "private",
    }
    new_file = vault / "Omi/Memories/Runs on Sundays.md"
    assert "category: habits\ntags:\n  - sport\n" in new_file.read_text()
    [updated] = side.update(Kind.NOTE, [Change(note_id, {"tags": ["food"]})])
    assert isinstance(updated, Written) and updated.held is not None
    assert updated.held["tags"] == ["food"]
    assert (
        (vault / "Omi/Memories/Coffee.md")
        .read_text()
        .endswith(
            "tags:\n  - food\nupdated: '2025-12-08T10:00:00+01:00'\n"
            "---\nLikes oat milk in coffee.\n"
        )
    )
    assert make_side(vault).snapshot(Kind.NOTE).items[note_id] == updated.held
    assert side.delete(Kind.NOTE, [note_id], DeleteMode.DELETE) == [Written(note_id, None)]
    assert (vault / ".trash/Coffee.md").exists()
    assert set(side.snapshot(Kind.NOTE).items) == {created.item_id}


def test_a_long_note_is_listed_whole(vault: Path) -> None:
    body = "word " * 150
    write(vault, "Omi/Memories/Long.md", body)
    [projection] = make_side(vault).snapshot(Kind.NOTE).items.values()
    assert projection["text"] == body.strip() and len(projection["text"]) > 500


def test_a_broken_note_is_reported_and_blocks_deletion(vault: Path) -> None:
    write(vault, "Omi/Memories/Bad.md", "---\ntags: [unclosed\n---\nText\n")
    side = make_side(vault)
    snapshot = side.snapshot(Kind.NOTE)
    assert not snapshot.complete and not snapshot.items
    assert any("Bad.md" in p and "YAML" in p for p in side.problems)


# --- options ----------------------------------------------------------------------------------


def test_only_path_is_required() -> None:
    options = MarkdownOptions.parse({"path": "~/Vault"})
    assert options.path == Path("~/Vault").expanduser()
    assert options.tasks_file == "Omi/Tasks.md"
    assert options.memories_folder == "Omi/Memories"
    assert options.task_tag == "#omi"


def test_bad_options_name_the_key() -> None:
    with pytest.raises(ConfigError) as caught:
        MarkdownOptions.parse({"tasks_file": "../x.md", "colour": "red"}, ("connectors", "v"))
    text = str(caught.value)
    assert "connectors.v.path: is required" in text
    assert "connectors.v.colour: is not a markdown connector option" in text
    assert "connectors.v.tasks_file" in text and "inside the vault" in text


def test_done_dates_use_the_users_zone(vault: Path) -> None:
    side = make_side(vault)
    assert side.tasks.today() == date(2025, 12, 8)


def test_the_connector_is_registered_as_an_entry_point() -> None:
    [entry] = [e for e in entry_points(group="omisync.connectors") if e.name == "markdown"]
    assert entry.load() is MarkdownSide


def test_the_scan_cache_file_lets_a_new_process_skip_unchanged_notes(
    vault: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache" / "scan.json"
    write(vault, "Omi/Memories/Tea.md", "---\nmood: calm\n---\nLikes green tea.\n")
    first = make_side(vault, cache_file=str(cache))
    first_items = {kind: first.snapshot(kind).items for kind in (Kind.TASK, Kind.NOTE)}
    assert cache.stat().st_mode & 0o777 == 0o600
    saved = cache.stat().st_mtime_ns
    restarted = make_side(vault, cache_file=str(cache))
    assert {kind: restarted.snapshot(kind).items for kind in (Kind.TASK, Kind.NOTE)} == first_items
    assert restarted.tasks.last_scan is not None
    assert (restarted.tasks.last_scan.files_read, restarted.notes.last_listing.files_read) == (0, 0)
    assert restarted.notes.last_listing.files_statted == 1
    assert cache.stat().st_mtime_ns == saved  # nothing changed: the cache is not rewritten
    [note_id] = first_items[Kind.NOTE]
    [outcome] = restarted.update(Kind.NOTE, [Change(note_id, {"tags": ["tea"]})])
    assert isinstance(outcome, Written)
    assert "mood: calm" in (vault / "Omi/Memories/Tea.md").read_text()  # unknown keys kept


def test_the_scan_cache_defaults_to_the_state_folder_one_file_per_connector(
    vault: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    zone = ZoneInfo("UTC")
    options = {"path": str(vault), "settle": 0}
    for name in ("vault", "work vault"):
        MarkdownSide.from_settings(name, options, zone=zone, state_dir=state).snapshot(Kind.TASK)
    assert default_cache_file(state, "vault") == state / "vault-cache" / "vault.json"
    files = sorted(p.name for p in (state / "vault-cache").iterdir())
    assert len(files) == 2 and "vault.json" in files
    assert files[1].startswith("work_vault-")  # a safe file name, unique to the name
    restarted = MarkdownSide.from_settings("vault", options, zone=zone, state_dir=state)
    restarted.snapshot(Kind.TASK)
    assert restarted.tasks.last_scan is not None and restarted.tasks.last_scan.files_read == 0
    no_state = MarkdownSide.from_settings("vault", options, zone=zone)
    no_state.snapshot(Kind.TASK)
    assert no_state.tasks.last_scan is not None and no_state.tasks.last_scan.files_read == 3


def test_a_session_builds_the_side_with_the_state_folder(vault: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"omi:\n  api_key: omi_dev_k\n  timezone: UTC\nstate:\n  path: {tmp_path / 's' / 'x.db'}\n"
        f"connectors:\n  v:\n    type: markdown\n    path: {vault}\n"
    )
    loaded = load_config(config, env={}, options_schema=options_model, known_types=connector_types)
    side = Session(loaded).peer_side("v")
    assert isinstance(side, MarkdownSide)
    assert side.cache.path == tmp_path / "s" / "vault-cache" / "v.json"


# Prose mixes plain text (with single %, <, !, -) and inline code spans of one or two backticks
# whose content may hold comment markers (`%%`, ``a `<!--` b``): Obsidian reads those as text,
# so no line of a generated note is inside a comment and every tagged task is live.
_plain = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n^#`~[]"), max_size=12
)
_code_text = st.lists(
    st.sampled_from(["%%", "<!--", "-->", "%", "<", "a", " ", "é", "`"]), min_size=1, max_size=6
).map("".join)
_code_span = st.one_of(  # spaces around, so two spans never touch (```` `a``` ```` is one run)
    _code_text.filter(lambda t: "`" not in t).map(lambda t: f" `{t}` "),
    _code_text.filter(lambda t: "``" not in t and t[0] != "`" and t[-1] != "`").map(
        lambda t: f" ``{t}`` "
    ),
)


def _outside_code_is_plain(pieces: list[str]) -> bool:
    """No comment marker outside code spans, and no line that could open frontmatter."""
    outside = "".join(p for p in pieces if not p.startswith(" `"))
    joined = "".join(pieces).strip()
    return "%%" not in outside and "<!--" not in outside and joined not in ("---", "...")


_prose = (
    st.lists(st.one_of(_plain, _code_span), max_size=4).filter(_outside_code_is_plain).map("".join)
)
_task = st.builds(
    lambda status, text, tag, due: f"- [{status}] {text.strip() or 'x'}{tag}{due}",
    st.sampled_from([" ", "x"]),
    _prose,
    st.sampled_from(["", " #omi"]),
    st.sampled_from(["", " 📅 2025-12-24"]),
)


@settings(max_examples=40, deadline=None)
@given(
    lines=st.lists(st.one_of(_prose, _task), max_size=12),
    eol=st.sampled_from(["\n", "\r\n"]),
    bom=st.booleans(),
)
def test_tidying_only_adds_anchors_to_selected_lines(lines: list[str], eol: str, bom: bool) -> None:
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        data = (("\ufeff" if bom else "") + eol.join(lines)).encode("utf-8", "surrogatepass")
        (root / "note.md").write_bytes(data)
        items = make_side(root).snapshot(Kind.TASK).items
        after = (root / "note.md").read_bytes().decode("utf-8", "surrogatepass")
        before = data.decode("utf-8", "surrogatepass")
        expected_anchors = 0
        old_lines, new_lines = before.split(eol), after.split(eol)
        assert len(old_lines) == len(new_lines)
        for old, new in zip(old_lines, new_lines, strict=True):
            task = parse_task_line(old.lstrip("\ufeff"))
            if task is not None and "#omi" in task.tags and not task.is_done:
                expected_anchors += 1
                assert re.fullmatch(re.escape(old.rstrip()) + r" \^omi-[a-z0-9]+", new.rstrip())
            else:
                assert new == old
        assert len(items) == expected_anchors


def test_completing_a_recurring_task_in_omi_adds_the_next_instance(vault: Path) -> None:
    write(
        vault,
        "Omi/Tasks.md",
        "- [ ] Water plants 🔁 every 2 weeks 📅 2025-12-08 ^omi-water1\n"
        "- [ ] Pay rent 🔁 every month on the 1st 📅 2025-12-01 ^omi-rent1\n",
    )
    side = make_side(vault)
    side.snapshot(Kind.TASK)
    outcomes = side.update(
        Kind.TASK, [Change("omi-water1", {"done": True}), Change("omi-rent1", {"done": True})]
    )
    assert [o.held for o in outcomes if isinstance(o, Written)] == [
        {"text": "Water plants", "done": True, "due": "2025-12-08"},
        {"text": "Pay rent", "done": True, "due": "2025-12-01"},
    ]
    lines = (vault / "Omi/Tasks.md").read_text().splitlines()
    assert lines[0].startswith("- [ ] Water plants 🔁 every 2 weeks 📅 2025-12-22 ^omi-")
    assert lines[1:] == [
        "- [x] Water plants 🔁 every 2 weeks 📅 2025-12-08 ✅ 2025-12-08 ^omi-water1",
        "- [x] Pay rent 🔁 every month on the 1st 📅 2025-12-01 ✅ 2025-12-08 ^omi-rent1",
    ]
    [problem] = side.write_problems(Kind.TASK)
    assert problem.startswith("Omi/Tasks.md:2: the recurrence 'every month on the 1st' is not")
    assert side.write_problems(Kind.TASK) == []  # each said once
    items = side.snapshot(Kind.TASK).items
    assert items["omi-water1"]["done"] and items["omi-rent1"]["done"]
    assert sum(1 for p in items.values() if p == {"text": "Water plants", "done": False,
                                                   "due": "2025-12-22"}) == 1  # fmt: skip


def test_omi_text_that_looks_like_tasks_fields_reads_back_as_written_or_is_refused(
    vault: Path,
) -> None:
    side = make_side(vault)
    side.snapshot(Kind.TASK)
    drafts = [
        Draft("tag", {"text": "Buy milk #groceries", "done": False, "due": "2025-12-24"}),
        Draft("date", {"text": "Meeting notes 📅 2026-01-01", "done": False, "due": None}),
    ]
    tagged, dated = side.create(Kind.TASK, drafts)
    assert tagged == Written(
        anchor_for_stamp("tag"), {"text": "Buy milk #groceries", "done": False, "due": "2025-12-24"}
    )
    line = (vault / "Omi/Tasks.md").read_text().splitlines()[-1]
    assert line == f"- [ ] Buy milk \\#groceries 📅 2025-12-24 ^{anchor_for_stamp('tag')}"
    assert isinstance(dated, Failed) and isinstance(dated.error, ItemRejectedError)
    assert "ends with '📅 2026-01-01'" in str(dated.error) and "due" in str(dated.error)
    assert "Meeting notes" not in (vault / "Omi/Tasks.md").read_text()
    [milk] = [i for i, p in side.snapshot(Kind.TASK).items.items() if p["text"] == "Buy milk"]
    [renamed] = side.update(Kind.TASK, [Change(milk, {"text": "Buy milk ⏫"})])
    assert isinstance(renamed, Failed) and "priority" in str(renamed.error)
