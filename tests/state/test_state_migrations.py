"""Named migrations: a fresh DB gets them all, re-running is a no-op, newer DBs are refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from omisync.state import StateDB, StateSchemaError
from omisync.state.migrations import MIGRATION_SET, MIGRATIONS


def recorded(path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT migration_set, name, applied_at FROM migrations ORDER BY id"
        ).fetchall()
    return [(row[0], row[1], row[2]) for row in rows]


def test_a_fresh_db_records_every_named_migration_in_order(state_path: Path) -> None:
    StateDB.open(state_path).close()

    rows = recorded(state_path)
    assert [name for _, name, _ in rows] == MIGRATIONS.names()
    assert {migration_set for migration_set, _, _ in rows} == {MIGRATION_SET}
    with sqlite3.connect(state_path) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert {"links", "journal", "cursors", "runs", "refusals", "rate_usage"} <= tables


def test_reopening_and_reapplying_change_nothing(state_path: Path) -> None:
    StateDB.open(state_path).close()
    before = recorded(state_path)

    StateDB.open(state_path).close()
    with StateDB.open(state_path) as state:
        MIGRATIONS.apply(state.db)

    assert recorded(state_path) == before


def test_an_older_db_is_upgraded_by_the_migrations_it_lacks(state_path: Path) -> None:
    state_path.parent.mkdir(parents=True)
    older = Database(state_path)
    MIGRATIONS.apply(older, stop_before="m003_create_journal")
    older.execute("INSERT INTO runs (pid, started_at) VALUES (1, '2025-01-01T00:00:00+00:00')")
    older.close()
    assert [name for _, name, _ in recorded(state_path)] == MIGRATIONS.names()[:2]

    with StateDB.open(state_path) as state:
        assert [name for _, name, _ in recorded(state_path)] == MIGRATIONS.names()
        assert state.runs.get(1).pid == 1, "existing rows survive the upgrade"
        assert state.journal.pending() == []


def test_a_db_from_a_newer_omisync_is_refused_with_a_clear_message(state_path: Path) -> None:
    StateDB.open(state_path).close()
    with sqlite3.connect(state_path) as conn:
        conn.execute(
            "INSERT INTO migrations (migration_set, name, applied_at) VALUES (?, ?, ?)",
            (MIGRATION_SET, "m042_from_the_future", "2030-01-01 00:00:00+00:00"),
        )

    with pytest.raises(StateSchemaError) as caught:
        StateDB.open(state_path)

    message = str(caught.value)
    assert "newer omisync" in message
    assert "m042_from_the_future" in message
    assert str(state_path) in message
    assert "upgrade omisync" in message
