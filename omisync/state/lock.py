"""One run at a time per state DB: an exclusive ``flock`` on ``<db>.lock``.

The kernel releases a ``flock`` when its holder dies, so a crashed run never blocks the next
one. The holder writes its PID and start time into the file (and empties it on release), so
a waiting run can name who holds the lock, and a file left non-empty shows a holder that died.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType

from omisync.state._codec import decode_json, decode_time, encode_json, encode_time, utc_now
from omisync.state._files import ensure_private_file
from omisync.state.errors import StateAccessError, StateLockedError, StateUsageError


def lock_path_for(db_path: str | os.PathLike[str]) -> Path:
    """The lock file that guards the state DB at ``db_path``: ``<db_path>.lock``."""
    return Path(f"{os.fspath(db_path)}.lock")


@dataclass(frozen=True, slots=True)
class LockHolder:
    """The process that wrote the lock file: its PID and when it took the lock."""

    pid: int
    started_at: datetime

    def is_alive(self) -> bool:
        """True when a process with this PID exists (it may belong to another user)."""
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


class RunLock:
    """The exclusive run lock of one state DB; a context manager that acquires and releases.

    ``timeout`` is how long :meth:`acquire` (and ``with``) waits for another run to finish:
    0 fails at once. After acquiring, ``recovered_from`` names a previous holder that died
    without releasing (its PID was still in the file), else None. Not re-entrant.
    """

    def __init__(
        self,
        db_path: str | os.PathLike[str],
        *,
        timeout: float = 0.0,
        poll_interval: float = 0.05,
    ) -> None:
        self.lock_path = lock_path_for(db_path)
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.recovered_from: LockHolder | None = None
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._fd is not None

    def acquire(self, timeout: float | None = None) -> None:
        """Take the lock, waiting up to ``timeout`` seconds (default: the constructor's).

        Raises :class:`StateLockedError` (naming the holder's PID and the lock path) when
        another process still holds it after the wait, :class:`StateAccessError` when the lock
        file cannot be created or locked, :class:`StateUsageError` if already held here.
        """
        if self._fd is not None:
            raise StateUsageError(f"The run lock {self.lock_path} is already held by this object")
        wait = self.timeout if timeout is None else timeout
        ensure_private_file(self.lock_path, what="lock file")
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CLOEXEC)
        try:
            self._wait_for_flock(fd, wait)
            self.recovered_from = _read_holder(fd)
            _write_holder(fd, LockHolder(pid=os.getpid(), started_at=utc_now()))
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def release(self) -> None:
        """Empty the lock file and release the lock; a no-op when not held."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            os.ftruncate(fd, 0)
        finally:
            os.close(fd)  # closing the only descriptor releases the flock

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    @staticmethod
    def holder(db_path: str | os.PathLike[str]) -> LockHolder | None:
        """Who holds the lock of the state DB at ``db_path`` (for ``omisync status``).

        Reads the lock file without locking (never disturbs a run): None when the file is
        missing or empty (no run), else the PID and start time written by the holder; check
        :meth:`LockHolder.is_alive` since a crashed holder leaves its PID behind.
        """
        path = lock_path_for(db_path)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StateAccessError(
                f"Cannot read the lock file {path}: {exc.strerror}. Fix: make it readable by "
                "the user running omisync.",
                path=path,
            ) from exc
        try:
            return _read_holder(fd)
        finally:
            os.close(fd)

    def _wait_for_flock(self, fd: int, wait: float) -> None:
        deadline = time.monotonic() + max(wait, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise self._locked_error(_read_holder(fd), wait) from None
                time.sleep(min(self.poll_interval, remaining))
            except OSError as exc:
                raise StateAccessError(
                    f"Cannot lock {self.lock_path}: {exc.strerror}. Fix: keep the state DB on "
                    "a local disk that supports file locks (not a network share).",
                    path=self.lock_path,
                ) from exc

    def _locked_error(self, holder: LockHolder | None, waited: float) -> StateLockedError:
        after = f" after waiting {waited:g} s" if waited > 0 else ""
        if holder is None:
            who = "another process (its PID is not in the lock file yet)"
            fix = f"wait for it to finish, or find it with `fuser {self.lock_path}`"
        elif holder.is_alive():
            since = f"{holder.started_at:%Y-%m-%d %H:%M:%S} UTC"
            who = f"omisync PID {holder.pid} (running since {since})"
            fix = f"wait for that run to finish, or stop it (kill {holder.pid})"
        else:
            who = f"PID {holder.pid}, which is gone; a process it started still holds the lock"
            fix = f"find that process with `fuser {self.lock_path}` and stop it"
        return StateLockedError(
            f"Another run holds the state DB lock {self.lock_path}{after}: {who}. "
            f"Fix: {fix}, then try again.",
            lock_path=self.lock_path,
            holder_pid=holder.pid if holder is not None else None,
        )


def _read_holder(fd: int) -> LockHolder | None:
    raw = os.pread(fd, 4096, 0)
    if not raw.strip():
        return None
    with contextlib.suppress(ValueError, TypeError, KeyError, UnicodeDecodeError):
        data = decode_json(raw.decode())
        return LockHolder(pid=int(data["pid"]), started_at=decode_time(str(data["started_at"])))
    return None


def _write_holder(fd: int, holder: LockHolder) -> None:
    text = encode_json({"pid": holder.pid, "started_at": encode_time(holder.started_at)})
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{text}\n".encode(), 0)
