"""Whether the sync worker is alive, so the systemd watchdog is only fed while it is.

The main thread pings the watchdog; the worker runs the cycles. A ping proves little if it
comes from a thread that does no work, so the worker beats at every durable step of a cycle
(each committed batch, each rate-limit wait) and the main thread pings only while the worker
is idle or beat within ``stall_limit`` seconds. A cycle stuck longer than that (a hung
connection, a deadlock) stops the pings and systemd restarts the service; the write journal
makes that restart safe.

The limit must exceed the longest quiet stretch of a healthy cycle: one rate-limit wait
(at most 300 s) or a few HTTP timeouts with their retries.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["Heartbeat"]

#: Default seconds without a beat after which a busy worker counts as stuck.
DEFAULT_STALL_LIMIT = 600.0


class Heartbeat:
    """Progress of the worker thread; thread-safe."""

    def __init__(
        self,
        stall_limit: float = DEFAULT_STALL_LIMIT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stall_limit = stall_limit
        self._clock = clock
        self._lock = threading.Lock()
        self._busy = False
        self._last_beat = clock()

    def beat(self) -> None:
        """Record progress."""
        with self._lock:
            self._last_beat = self._clock()

    def busy(self, busy: bool) -> None:
        """Mark the start (True) or end (False) of a cycle; both count as a beat."""
        with self._lock:
            self._busy = busy
            self._last_beat = self._clock()

    def healthy(self) -> bool:
        """True while the worker is idle or has beaten within ``stall_limit`` seconds."""
        with self._lock:
            return not self._busy or self._clock() - self._last_beat <= self.stall_limit
