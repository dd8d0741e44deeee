"""A :class:`~omisync.ratelimit.store.UsageStore` in SQLite (table ``rate_usage``)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import sqlite_utils

from omisync.ratelimit.store import UsageRecord

TABLE = "rate_usage"

_CREATE = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    service TEXT,
    bucket TEXT,
    window_start INTEGER,
    count INTEGER,
    PRIMARY KEY (service, bucket, window_start)
)
"""


class SqliteUsageStore:
    """Request counts in the ``rate_usage(service, bucket, window_start, count)`` table.

    Give it the state DB's own ``sqlite_utils.Database`` (its writes then join a transaction
    the caller has open, and commit on their own otherwise) or a path to a file of its own.
    The table is created when missing. ``sqlite3.Error`` propagates.
    """

    def __init__(self, db: sqlite_utils.Database | str | Path) -> None:
        if isinstance(db, sqlite_utils.Database):
            self._db = db
        else:
            # The limiter may be shared by worker threads; the lock below serialises access.
            self._db = sqlite_utils.Database(sqlite3.connect(str(db), check_same_thread=False))
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute(_CREATE)

    @property
    def db(self) -> sqlite_utils.Database:
        """The database the counts live in."""
        return self._db

    def load(self, service: str, since: int) -> list[UsageRecord]:
        """Return the records of ``service`` from ``since`` (ms) on, oldest first."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT bucket, window_start, count FROM {TABLE} "
                "WHERE service = ? AND window_start >= ? ORDER BY window_start, bucket",
                [service, since],
            ).fetchall()
        return [UsageRecord(str(bucket), int(start), int(count)) for bucket, start, count in rows]

    def add(self, service: str, bucket: str, window_start: int, count: int) -> None:
        """Add ``count`` to the slot's total (an upsert)."""
        with self._lock:
            self._db.execute(
                f"INSERT INTO {TABLE} (service, bucket, window_start, count) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (service, bucket, window_start) "
                "DO UPDATE SET count = count + excluded.count",
                [service, bucket, window_start, count],
            )

    def prune(self, service: str, bucket: str, before: int) -> None:
        """Delete the bucket's slots that start before ``before`` (ms)."""
        with self._lock:
            self._db.execute(
                f"DELETE FROM {TABLE} WHERE service = ? AND bucket = ? AND window_start < ?",
                [service, bucket, before],
            )
