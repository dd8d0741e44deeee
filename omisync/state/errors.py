"""Errors raised by the state DB: each names the file concerned and says how to fix it."""

from __future__ import annotations

import sqlite3
from pathlib import Path


class StateError(Exception):
    """Base class of every state DB error; ``path`` is the file concerned (None in memory)."""

    def __init__(self, message: str, *, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path


class StateAccessError(StateError):
    """The state DB (or its folder) cannot be created, opened, read or written."""


class StateCorruptError(StateError):
    """The file is not a readable SQLite database, or a row in it cannot be decoded."""


class StateSchemaError(StateError):
    """The file was written by a newer omisync, or is some other program's database."""


class StateLockedError(StateError):
    """Another process holds the run lock of this state DB.

    ``holder_pid`` is the PID written in the lock file (None when it could not be read) and
    ``lock_path`` the lock file.
    """

    def __init__(self, message: str, *, lock_path: Path, holder_pid: int | None) -> None:
        super().__init__(message, path=lock_path)
        self.lock_path = lock_path
        self.holder_pid = holder_pid


class DuplicateLinkError(StateError):
    """Saving links would give one item on one side two links (ids must be unique per kind)."""


class UnknownRecordError(StateError, LookupError):
    """A journal entry or run id that the state DB does not hold."""


class StateUsageError(StateError):
    """The API was used against its contract (a bug in the caller, not in the data)."""


# SQLite primary result codes (https://sqlite.org/rescode.html) that mean the file is unusable.
_CORRUPT_CODES = {11: "the database disk image is malformed", 26: "it is not a SQLite database"}
_ACCESS_CODES = {
    3: "permission denied",
    5: "another process kept it busy (locked) for too long",
    8: "it is read-only",
    10: "a disk I/O error occurred",
    13: "the disk is full",
    14: "the file cannot be opened",
}


def translate_sqlite_error(exc: sqlite3.Error, path: Path | None) -> StateError | None:
    """Return the :class:`StateError` a low-level SQLite error stands for, or None.

    None means the error is not about the file itself (e.g. a constraint), and the caller
    should let the original exception propagate.
    """
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    where = str(path) if path is not None else "the in-memory state DB"
    if primary in _CORRUPT_CODES:
        return StateCorruptError(
            f"Cannot use the state DB {where}: {_CORRUPT_CODES[primary]} ({exc}). "
            f"Fix: move it aside (mv '{where}' '{where}.broken') and run omisync again to start "
            "a fresh state (existing items are matched up again, not duplicated), "
            "or restore it from a backup.",
            path=path,
        )
    if primary in _ACCESS_CODES:
        return StateAccessError(
            f"Cannot use the state DB {where}: {_ACCESS_CODES[primary]} ({exc}). "
            "Fix: check that the file and its folder exist and belong to the user running "
            "omisync (mode 0600, folder 0700), that the disk has room, and that no other "
            "program holds it open; or point omisync at another state path.",
            path=path,
        )
    return None
