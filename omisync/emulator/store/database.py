"""The emulator's SQLite database: one connection, one lock, the schema, transactions.

The emulator's request handlers run on one event loop, but tests and the admin helpers may
touch the same database from other threads, so every statement runs under a re-entrant lock.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS memories (
    id TEXT PRIMARY KEY,
    content TEXT NOT NULL,
    category TEXT NOT NULL,
    visibility TEXT NOT NULL,
    tags TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    manually_added INTEGER NOT NULL,
    reviewed INTEGER NOT NULL,
    user_review INTEGER,
    edited INTEGER NOT NULL,
    scoring TEXT NOT NULL,
    is_locked INTEGER NOT NULL DEFAULT 0,
    invalid_at TEXT,
    conversation_id TEXT
);
CREATE TABLE IF NOT EXISTS action_items (
    id TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    completed INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    due_at TEXT,
    completed_at TEXT,
    conversation_id TEXT,
    is_locked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    language TEXT,
    source TEXT,
    geolocation TEXT,
    folder_id TEXT,
    starred INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    discarded INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    is_locked INTEGER NOT NULL DEFAULT 0,
    title TEXT NOT NULL,
    user_title TEXT,
    overview TEXT NOT NULL,
    emoji TEXT NOT NULL,
    category TEXT NOT NULL,
    action_items TEXT NOT NULL,
    events TEXT NOT NULL,
    transcript_segments TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS dev_api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    hashed_key TEXT NOT NULL UNIQUE,
    key_prefix TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    scopes TEXT
);
CREATE TABLE IF NOT EXISTS emulator_settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS folders (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT,
    color TEXT NOT NULL,
    icon TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    is_default INTEGER NOT NULL DEFAULT 0,
    is_system INTEGER NOT NULL DEFAULT 0
);
"""

#: Tables holding the user's data (``reset`` empties these; keys survive).
DATA_TABLES: tuple[str, ...] = ("memories", "action_items", "conversations", "folders")

Row = sqlite3.Row


class Database:
    """A thread-safe SQLite connection holding the emulator's schema.

    ``path`` None gives a private in-memory database. Raises ``sqlite3.Error`` (with the path
    in the message) when the file cannot be opened.
    """

    def __init__(self, path: Path | None = None) -> None:
        self._lock = threading.RLock()
        target = ":memory:" if path is None else str(path)
        try:
            self._conn = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        except sqlite3.Error as exc:
            raise sqlite3.OperationalError(
                f"cannot open the emulator database {target}: {exc}"
            ) from exc
        self._conn.row_factory = sqlite3.Row
        with self._lock:
            self._conn.executescript(_SCHEMA)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block atomically (nested blocks join the outer transaction)."""
        with self._lock:
            if self._conn.in_transaction:
                yield
                return
            self._conn.execute("BEGIN")
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; return the number of rows it changed."""
        with self._lock:
            return self._conn.execute(sql, params).rowcount

    def upsert(self, table: str, values: dict[str, Any]) -> None:
        """Insert ``values`` as a row of ``table``, or update the row with the same ``id``.

        The row keeps its rowid on update, so insertion order stays a stable tie-breaker.
        """
        columns = list(values)
        placeholders = ", ".join("?" for _ in columns)
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "id")
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders}) "
            f"ON CONFLICT(id) DO UPDATE SET {updates}"
        )
        self.execute(sql, [values[c] for c in columns])

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run a SELECT and return every row."""
        with self._lock:
            return list(self._conn.execute(sql, params).fetchall())

    def query_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """Run a SELECT and return its first row, or None."""
        with self._lock:
            row: Row | None = self._conn.execute(sql, params).fetchone()
            return row

    def clear_data(self) -> None:
        """Delete every memory, action item, conversation and folder (keys are kept)."""
        with self.transaction():
            for table in DATA_TABLES:
                self._conn.execute(f"DELETE FROM {table}")

    def is_empty(self) -> bool:
        """Return True when no data table holds a row."""
        return all(
            self.query_one(f"SELECT 1 FROM {table} LIMIT 1") is None for table in DATA_TABLES
        )

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()
