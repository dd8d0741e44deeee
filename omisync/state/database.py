"""The state DB: one SQLite file per config, opened, migrated and guarded here."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlite_utils import Database

from omisync.config.schema import default_state_path
from omisync.state._codec import Clock, utc_now
from omisync.state._files import ensure_private_file
from omisync.state.cursors import Cursors
from omisync.state.errors import StateAccessError, StateError, translate_sqlite_error
from omisync.state.journal import Journal
from omisync.state.link_store import LinkStore
from omisync.state.lock import RunLock
from omisync.state.migrations import migrate
from omisync.state.refusals import Refusals
from omisync.state.runs import Runs

#: How long a write waits for another connection's write to finish before giving up.
DEFAULT_BUSY_TIMEOUT_S = 10.0


class StateDB:
    """omisync's local state: links, journal, cursors, runs, refusals and rate usage.

    Open with :meth:`open` (a file) or :meth:`in_memory` (tests). The parts are attributes:
    ``links``, ``journal``, ``runs``, ``cursors``, ``refusals``; ``db`` is the underlying
    :class:`sqlite_utils.Database` (the rate limiter's usage store shares it). Writes outside
    :meth:`transaction` commit on their own; inside, they commit together or not at all.

    Durability: WAL with ``synchronous=FULL``. The journal's promise is that an intent is on
    disk *before* a non-idempotent remote create; NORMAL could lose the last commits on power
    loss and so duplicate items. A run commits once per batch, so the fsyncs cost little.

    Not for concurrent use by several threads at once; other processes may read it while a
    run writes (WAL), and :class:`RunLock` keeps runs one at a time.
    """

    def __init__(self, db: Database, *, path: Path | None, clock: Clock = utc_now) -> None:
        """Wrap an already migrated ``db``; use :meth:`open` or :meth:`in_memory` instead."""
        self.db = db
        self.path = path
        self.clock = clock
        self.links = LinkStore(self)
        self.journal = Journal(self)
        self.runs = Runs(self)
        self.cursors = Cursors(self)
        self.refusals = Refusals(self)

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        clock: Clock = utc_now,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT_S,
    ) -> StateDB:
        """Open (creating and migrating as needed) the state DB at ``path``.

        ``path`` defaults to ``$XDG_STATE_HOME/omisync/state.db``. A new file gets mode 0600
        and new folders 0700. Raises :class:`StateAccessError` (cannot create/open),
        :class:`StateCorruptError` (not a readable SQLite DB) or :class:`StateSchemaError`
        (newer omisync, or not an omisync DB), each naming the path and the fix.
        """
        db_path = Path(path if path is not None else default_state_path()).expanduser()
        ensure_private_file(db_path, what="state DB")
        with _sqlite_errors(db_path):
            conn = sqlite3.connect(
                db_path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
            )
        try:
            with _sqlite_errors(db_path):
                db = Database(conn)
                _configure(db, db_path)
                state = cls(db, path=db_path, clock=clock)
                with state.transaction():
                    migrate(db, db_path)
        except BaseException:
            conn.close()
            raise
        return state

    @classmethod
    def in_memory(cls, *, clock: Clock = utc_now) -> StateDB:
        """A migrated state DB held in memory (tests, dry runs); it vanishes on close."""
        db = Database(sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False))
        db.execute("PRAGMA foreign_keys = ON")
        state = cls(db, path=None, clock=clock)
        with state.transaction():
            migrate(db, None)
        return state

    def now(self) -> datetime:
        """The current moment by this DB's clock."""
        return self.clock()

    def run_lock(self, *, timeout: float = 0.0) -> RunLock:
        """The :class:`RunLock` of this DB's file (not yet acquired); ``with`` it around a run.

        Raises :class:`StateAccessError` for an in-memory DB, which has no file to lock.
        """
        if self.path is None:
            raise StateAccessError("An in-memory state DB has no run lock; open a file instead")
        return RunLock(self.path, timeout=timeout)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block's writes atomically: all committed at the end, or none on error.

        The outermost block takes SQLite's write lock at once (``BEGIN IMMEDIATE``); nested
        blocks are savepoints that roll back alone. Low-level SQLite failures about the file
        are raised as :class:`StateError` subclasses naming the path.
        """
        conn = self.db.conn
        with _sqlite_errors(self.path):
            if conn.in_transaction:
                with self.db.atomic():
                    yield
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            try:
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    @property
    def in_transaction(self) -> bool:
        """True inside :meth:`transaction` (or any open SQLite transaction)."""
        return self.db.conn.in_transaction

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Return every row of a read-only query as tuples (file errors as StateError)."""
        with _sqlite_errors(self.path):
            return self.db.conn.execute(sql, params).fetchall()

    def close(self) -> None:
        """Close the connection; the object is unusable afterwards."""
        self.db.close()

    def __enter__(self) -> StateDB:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"StateDB({str(self.path) if self.path else ':memory:'!r})"


def _configure(db: Database, path: Path) -> None:
    mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise StateAccessError(
            f"Cannot use the state DB {path}: its file system does not support SQLite's "
            f"write-ahead log (journal mode stayed {mode!r}). Fix: keep the state DB on a "
            "local disk (`state.path` in the config).",
            path=path,
        )
    db.execute("PRAGMA synchronous = FULL")
    db.execute("PRAGMA foreign_keys = ON")


@contextlib.contextmanager
def _sqlite_errors(path: Path | None) -> Iterator[None]:
    """Raise SQLite errors about the file itself as the matching :class:`StateError`."""
    try:
        yield
    except StateError:
        raise
    except sqlite3.Error as exc:
        translated = translate_sqlite_error(exc, path)
        if translated is None:
            raise
        raise translated from exc
