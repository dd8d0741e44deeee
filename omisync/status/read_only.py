"""Open the state DB for reading only: no migration, no lock, no write, while a run may be
writing it (WAL lets a reader see the last committed state)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from omisync.state import StateAccessError, StateCorruptError, StateDB, StateSchemaError
from omisync.state.migrations import MIGRATIONS


def open_read_only(path: Path) -> StateDB:
    """Return the state DB at ``path`` opened read-only (SQLite ``mode=ro``); close it after.

    Raises :class:`omisync.state.StateAccessError` when the file cannot be opened,
    :class:`omisync.state.StateCorruptError` when it is not a SQLite database, and
    :class:`omisync.state.StateSchemaError` when its schema is not this omisync's (newer, older
    or foreign), each naming the path and the fix.
    """
    try:
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
        )
    except sqlite3.Error as exc:
        raise StateAccessError(
            f"Cannot open the state DB {path}: {exc}. Fix: run omisync status as the user "
            "that runs omisync (or with read access to that file and its folder).",
            path=path,
        ) from exc
    try:
        db = Database(conn)
        _check_schema(db, path)
    except sqlite3.OperationalError as exc:
        conn.close()
        raise StateAccessError(
            f"Cannot read the state DB {path}: {exc}. Fix: run omisync status as the user "
            "that runs omisync (SQLite needs to open its -wal and -shm files beside it).",
            path=path,
        ) from exc
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StateCorruptError(
            f"Cannot read the state DB {path}: {exc}. Fix: point `state.path` in the config "
            "at omisync's state DB, or move this file aside to start afresh.",
            path=path,
        ) from exc
    except BaseException:
        conn.close()
        raise
    return StateDB(db, path=path)


def _check_schema(db: Database, path: Path) -> None:
    known = set(MIGRATIONS.names())
    applied = [migration.name for migration in MIGRATIONS.applied(db)]
    newer = [name for name in applied if name not in known]
    if newer:
        raise StateSchemaError(
            f"The state DB {path} was written by a newer omisync (migrations "
            f"{', '.join(newer)}). Fix: upgrade omisync.",
            path=path,
        )
    if not applied:
        raise StateSchemaError(
            f"{path} is not an omisync state DB. Fix: point `state.path` in the config at "
            "omisync's state DB.",
            path=path,
        )
    if MIGRATIONS.pending(db):
        raise StateSchemaError(
            f"The state DB {path} is from an older omisync. Fix: run `omisync run --once` "
            "once (it upgrades the file), then ask for the status again.",
            path=path,
        )
