"""Opening the state DB: where it goes, file modes, pragmas, and one clear error per bad path."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from omisync.ratelimit import SqliteUsageStore, UsageRecord
from omisync.state import (
    StateAccessError,
    StateCorruptError,
    StateDB,
    StateSchemaError,
)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """umask 0, so only omisync's explicit modes keep files private."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.usefixtures("permissive_umask")
def test_new_file_is_0600_and_the_folders_it_creates_are_0700(tmp_path: Path) -> None:
    existing = tmp_path / "existing"
    existing.mkdir(mode=0o755)
    path = existing / "new" / "deeper" / "state.db"

    with StateDB.open(path) as state:
        state.cursors.set("todoist", "task", "sync_token", "abc")  # writes the WAL too

        assert mode_of(path) == 0o600
        assert mode_of(Path(f"{path}-wal")) == 0o600
        assert mode_of(existing / "new") == 0o700
        assert mode_of(existing / "new" / "deeper") == 0o700
        assert mode_of(existing) == 0o755, "a folder we did not create keeps its mode"


def test_wal_full_sync_and_foreign_keys_are_on(state: StateDB, state_path: Path) -> None:
    assert state.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert state.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert state.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    # WAL is a property of the file: another connection sees it too.
    with sqlite3.connect(state_path) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_default_path_follows_xdg_state_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))

    with StateDB.open() as state:
        assert state.path == tmp_path / "xdg" / "omisync" / "state.db"
    assert (tmp_path / "xdg" / "omisync" / "state.db").is_file()


def test_data_survives_closing_and_reopening(state_path: Path) -> None:
    with StateDB.open(state_path) as state:
        state.cursors.set("notion", "note", "since", {"t": "2026-01-01"})
    with StateDB.open(state_path) as state:
        assert state.cursors.get("notion", "note", "since") == {"t": "2026-01-01"}


def test_a_file_that_is_not_sqlite_is_reported_as_corrupt_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    path.write_bytes(b"this is a text file, not a database\n" * 200)

    with pytest.raises(StateCorruptError) as caught:
        StateDB.open(path)

    message = str(caught.value)
    assert str(path) in message
    assert "not a SQLite database" in message
    assert "Fix: move it aside" in message
    assert caught.value.path == path


def test_a_folder_that_cannot_be_created_is_reported_with_the_path(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    path = blocker / "omisync" / "state.db"

    with pytest.raises(StateAccessError) as caught:
        StateDB.open(path)

    assert str(path) in str(caught.value)
    assert f"{blocker} is a file, not a folder" in str(caught.value)


def test_a_path_in_a_read_only_file_system_is_reported_with_the_fix() -> None:
    path = Path("/proc/omisync-test/state.db")  # /proc refuses new folders, even to root

    with pytest.raises(StateAccessError) as caught:
        StateDB.open(path)

    assert str(path) in str(caught.value)
    assert "state.path" in str(caught.value)


def test_a_folder_given_as_the_db_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StateAccessError, match="not a regular file"):
        StateDB.open(tmp_path)


def test_some_other_programs_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "photos.db"
    with sqlite3.connect(path) as other:
        other.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")

    with pytest.raises(StateSchemaError, match="is not an omisync state DB") as caught:
        StateDB.open(path)

    assert "photos" in str(caught.value)
    with sqlite3.connect(path) as other:
        tables = {row[0] for row in other.execute("SELECT name FROM sqlite_master")}
    assert tables == {"photos"}


def test_rate_usage_has_exactly_the_rate_limiters_schema(state: StateDB) -> None:
    columns = state.db.execute("PRAGMA table_info(rate_usage)").fetchall()
    # (cid, name, type, notnull, default, pk)
    assert [(c[1], c[2], c[3], c[4], c[5]) for c in columns] == [
        ("service", "TEXT", 0, None, 1),
        ("bucket", "TEXT", 0, None, 2),
        ("window_start", "INTEGER", 0, None, 3),
        ("count", "INTEGER", 0, None, 0),
    ]


def test_the_rate_limiters_usage_store_shares_the_state_db(
    state: StateDB, state_path: Path
) -> None:
    store = SqliteUsageStore(state.db)
    store.add("omi", "memories", 1_000, 3)
    store.add("omi", "memories", 1_000, 2)

    with StateDB.open(state_path) as reopened:
        assert SqliteUsageStore(reopened.db).load("omi", 0) == [UsageRecord("memories", 1_000, 5)]


def test_in_memory_state_db_works_and_has_no_run_lock() -> None:
    with StateDB.in_memory() as state:
        state.cursors.set("markdown", "task", "scan", 1)
        assert state.cursors.get("markdown", "task", "scan") == 1
        with pytest.raises(StateAccessError, match="no run lock"):
            state.run_lock()
