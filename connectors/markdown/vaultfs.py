"""Reading and atomically rewriting vault files, guarded by what was read.

A write goes to a temporary file in the same folder, is fsync'ed, and replaces the target by
``os.replace`` only while the target still holds what omisync read (its stamp: mtime, size and
SHA-256) and has not been modified in the last ``settle_seconds`` (a file the user is editing
right now waits for the next cycle).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "FileBusyError",
    "FileChangedError",
    "FileStamp",
    "VaultWriteError",
    "VaultWriter",
    "atomic_write",
    "is_settling",
    "read_stamped",
    "sha256_hex",
]


def sha256_hex(data: bytes) -> str:
    """The hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class FileStamp:
    """What a file held when it was read: modification time (ns), size and content hash."""

    mtime_ns: int
    size: int
    sha256: str

    def same_stat(self, st: os.stat_result) -> bool:
        """True when ``st`` has this stamp's mtime and size (the content then is not re-read)."""
        return st.st_mtime_ns == self.mtime_ns and st.st_size == self.size


class VaultWriteError(Exception):
    """A vault file was not written; the message names the file and what to do."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


class FileChangedError(VaultWriteError):
    """The file changed since omisync read it; it is re-read and retried next cycle."""


class FileBusyError(VaultWriteError):
    """The file was modified moments ago (probably being edited); retried next cycle."""


def is_settling(mtime_ns: int, now: float, settle_seconds: float) -> bool:
    """True when a file modified at ``mtime_ns`` changed less than ``settle_seconds`` before
    ``now`` (it may still be being written). A time far in the future (clock skew between
    machines) does not hold a file back forever."""
    age = now - mtime_ns / 1e9
    return settle_seconds > 0 and -settle_seconds < age < settle_seconds


def read_stamped(path: Path) -> tuple[bytes, FileStamp]:
    """Read ``path`` and return its bytes with their stamp. Raises OSError when unreadable."""
    with path.open("rb") as handle:
        st = os.fstat(handle.fileno())
        data = handle.read()
    return data, FileStamp(st.st_mtime_ns, len(data), sha256_hex(data))


def _check_unchanged(path: Path, expected: FileStamp | None) -> os.stat_result | None:
    """Raise FileChangedError unless ``path`` still holds ``expected`` (None: must not exist)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        if expected is None:
            return None
        raise FileChangedError(path, "was moved or deleted since it was read") from None
    if expected is None:
        raise FileChangedError(path, "was created by someone else since the vault was read")
    if not expected.same_stat(st):
        _, stamp = read_stamped(path)
        if stamp.sha256 != expected.sha256:
            raise FileChangedError(path, "was edited since it was read; retrying next cycle")
    return st


def atomic_write(
    path: Path,
    data: bytes,
    *,
    expected: FileStamp | None,
    settle_seconds: float = 0.0,
    clock: Callable[[], float] = time.time,
) -> FileStamp:
    """Replace ``path`` with ``data`` atomically, only if it still holds ``expected``.

    ``expected=None`` creates a new file and requires that none exists. Returns the new stamp.
    Raises FileBusyError when the file was modified less than ``settle_seconds`` ago,
    FileChangedError when it no longer matches ``expected``, and VaultWriteError (with the
    OS reason) when it cannot be written.
    """
    st = _check_unchanged(path, expected)
    if st is not None and is_settling(st.st_mtime_ns, clock(), settle_seconds):
        raise FileBusyError(path, f"was modified less than {settle_seconds:g} s ago; waiting")
    temp = path.with_name(f".{path.name}.omisync-{secrets.token_hex(4)}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with temp.open("xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if st is not None:
            os.chmod(temp, st.st_mode & 0o7777)
        _check_unchanged(path, expected)  # narrow the window before the swap
        if expected is None:
            os.link(temp, path)  # fails if a file appeared meanwhile; never clobbers it
            temp.unlink()
        else:
            os.replace(temp, path)
        _fsync_dir(path.parent)
    except FileExistsError:
        raise FileChangedError(path, "was created by someone else meanwhile") from None
    except OSError as error:
        raise VaultWriteError(
            path, f"cannot be written ({error.strerror}); check permissions"
        ) from error
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    new = path.stat()
    return FileStamp(new.st_mtime_ns, new.st_size, sha256_hex(data))


class VaultWriter:
    """:func:`atomic_write` for one store, where the settle rule guards only against the
    user: a file that still holds exactly what this writer last wrote to it (its stamp) is
    not being edited, however recent its modification time, so omisync may write it again in
    the same run (e.g. add Omi's new tasks to the tasks file it has just anchored)."""

    def __init__(self, settle_seconds: float = 0.0, clock: Callable[[], float] = time.time):
        self.settle_seconds = settle_seconds
        self.clock = clock
        self._own: dict[Path, FileStamp] = {}

    def write(self, path: Path, data: bytes, *, expected: FileStamp | None) -> FileStamp:
        """Write like :func:`atomic_write` (same errors) and remember the new stamp."""
        ours = expected is not None and self._own.get(path) == expected
        stamp = atomic_write(
            path,
            data,
            expected=expected,
            settle_seconds=0.0 if ours else self.settle_seconds,
            clock=self.clock,
        )
        self._own[path] = stamp
        return stamp


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
