"""Progress of a long sync on a terminal: one line, rewritten in place, cleared at the end.

::

    progress = SyncProgress.for_terminal(sys.stderr, quiet=args.quiet)   # None: no display
    progress.planned("vault", "task", 1500)
    progress.advanced("vault", "task", 50)      # vault · tasks 50/1500
    progress.rate_wait(notice)                  # … · waiting 12s for the Omi rate limit
    progress.close()                            # the line is erased

While the display is open, log lines written through :mod:`omisync.logs` step around it.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import TextIO

from omisync.logs import live_line
from omisync.ratelimit import WaitNotice, format_duration
from omisync.state import StateDB

__all__ = ["ProgressLine", "SyncProgress", "journal_checkpoint"]

_ERASE = "\r\x1b[K"

#: Shorter waits for a rate limit are not worth a message (they would only flicker).
MIN_WAIT_SHOWN = 1.0


class ProgressLine:
    """A single terminal line rewritten in place with ``\\r`` (a :class:`omisync.logs.LiveLine`).

    Text longer than the terminal is cut (a wrapped line could not be erased). Thread-safe.
    """

    def __init__(self, stream: TextIO, *, width: Callable[[], int] | None = None) -> None:
        self.stream = stream
        self._width = width or (lambda: shutil.get_terminal_size((80, 24)).columns)
        self._text = ""
        self._shown = False
        self._lock = threading.RLock()

    @property
    def text(self) -> str:
        """What the line says now (empty when nothing is shown)."""
        return self._text

    def show(self, text: str) -> None:
        """Replace the line's text and draw it."""
        with self._lock:
            limit = max(self._width() - 1, 10)
            self._text = text if len(text) <= limit else text[: limit - 1] + "…"
            self.redraw()

    def redraw(self) -> None:
        """Draw the current text again (nothing when it is empty)."""
        with self._lock:
            if not self._text:
                return
            self.stream.write(_ERASE + self._text)
            self.stream.flush()
            self._shown = True

    @contextmanager
    def suspended(self) -> Iterator[None]:
        """Erase the line while the block prints something else, then draw it again."""
        with self._lock:
            self._erase()
            try:
                yield
            finally:
                self.redraw()

    def close(self) -> None:
        """Erase the line and forget its text."""
        with self._lock:
            self._erase()
            self._text = ""

    def _erase(self) -> None:
        if self._shown:
            self.stream.write(_ERASE)
            self.stream.flush()
            self._shown = False


@dataclass
class _Count:
    done: int = 0
    total: int | None = None


class SyncProgress:
    """Done/total per connector and kind, and waits for rate limits, shown on a
    :class:`ProgressLine`. Redraws at most every ``min_interval`` seconds (except on a wait).

    Use :meth:`for_terminal` to get one only where a person watches; use as a context manager
    (or call :meth:`close`) so the line is erased at the end.
    """

    def __init__(
        self,
        line: ProgressLine,
        *,
        clock: Callable[[], float] = time.monotonic,
        min_interval: float = 0.1,
    ) -> None:
        self.line = line
        self._clock = clock
        self._min_interval = min_interval
        self._counts: dict[tuple[str, str], _Count] = {}
        self._wait: tuple[str, float] | None = None  # (message, until)
        self._drawn_at: float | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._attached = ExitStack()
        self._attached.enter_context(live_line(line))

    @classmethod
    def for_terminal(cls, stream: TextIO, *, quiet: bool = False) -> SyncProgress | None:
        """A display on ``stream`` when it is a terminal and the user did not ask for quiet;
        else None (pipes, files and the journal get no progress lines)."""
        if quiet:
            return None
        try:
            if not stream.isatty():
                return None
        except (AttributeError, ValueError):
            return None
        return cls(ProgressLine(stream))

    # --- events -------------------------------------------------------------------------------

    def planned(self, connector: str, kind: str, total: int) -> None:
        """``total`` writes of ``kind`` are about to run for ``connector`` (done restarts at 0).

        The line shows one connector at a time: planning another one replaces the last.
        """
        with self._lock:
            entry = self._entry(connector, kind)
            entry.done, entry.total = 0, total
        self._render(force=True)

    def advanced(self, connector: str, kind: str, count: int) -> None:
        """``count`` more writes of ``kind`` are done for ``connector``."""
        with self._lock:
            self._entry(connector, kind).done += count
            self._wait = None
        self._render(force=False)

    def rate_wait(self, notice: WaitNotice) -> None:
        """Say the limiter sleeps ``notice.seconds`` for the ``notice.service`` rate limit
        (waits under :data:`MIN_WAIT_SHOWN` are not shown)."""
        if notice.seconds < MIN_WAIT_SHOWN:
            return
        service = "Omi" if notice.service == "omi" else notice.service
        message = f"waiting {format_duration(notice.seconds)} for the {service} rate limit"
        with self._lock:
            self._wait = (message, self._clock() + notice.seconds)
        self._render(force=True)

    def clear(self) -> None:
        """Erase the line and forget the counts (e.g. before printing a connector's summary);
        later events draw it anew."""
        with self._lock:
            self._counts.clear()
            self._wait = None
        self.line.close()

    def close(self) -> None:
        """Erase the line; later events are ignored."""
        with self._lock:
            self._closed = True
            self._counts.clear()
            self._wait = None
        self._attached.close()
        self.line.close()

    def __enter__(self) -> SyncProgress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _entry(self, connector: str, kind: str) -> _Count:
        if any(key[0] != connector for key in self._counts):
            self._counts.clear()
        return self._counts.setdefault((connector, kind), _Count())

    # --- drawing ------------------------------------------------------------------------------

    def text(self) -> str:
        """The line as it reads now, e.g. ``vault · tasks 50/1500 · notes 0/300``."""
        with self._lock:
            parts: list[str] = []
            for (connector, kind), count in self._counts.items():
                amount = f"{count.done}/{count.total}" if count.total is not None else count.done
                label = f"{kind}s {amount}"
                parts.append(f"{connector} · {label}" if not parts else label)
            if self._wait is not None and self._clock() < self._wait[1]:
                parts.append(self._wait[0])
            return " · ".join(parts)

    def _render(self, *, force: bool) -> None:
        now = self._clock()
        if self._closed:
            return
        if not force and self._drawn_at is not None and now - self._drawn_at < self._min_interval:
            return
        self._drawn_at = now
        self.line.show(self.text())


def journal_checkpoint(
    state: StateDB, connector: str, progress: SyncProgress
) -> Callable[[str], None]:
    """A runner checkpoint (:data:`omisync.sync.runner.Checkpoint`) that counts the items of
    each batch on ``progress``.

    At ``"intended"`` the batch's journal entries are committed and pending: the new ones (not
    pending when this was made) are the batch, by kind. At ``"committed"`` they are counted as
    done. A batch whose whole call failed never reaches ``"committed"`` and is not counted.
    """
    seen = {entry.entry_id for entry in state.journal.pending(connector)}
    in_flight: Counter[str] = Counter()

    def checkpoint(step: str) -> None:
        if step == "intended":
            batch = [e for e in state.journal.pending(connector) if e.entry_id not in seen]
            seen.update(entry.entry_id for entry in batch)
            in_flight.clear()
            in_flight.update(entry.kind for entry in batch)
        elif step == "committed":
            for kind, count in in_flight.items():
                progress.advanced(connector, kind, count)
            in_flight.clear()

    return checkpoint
