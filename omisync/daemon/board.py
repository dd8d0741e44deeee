"""What each scheduled connector is doing, as one status line for systemd.

``systemctl status omisync`` shows the line, e.g.
``vault: synced 12:03:05, next 12:08:05; todoist: failed 12:04:00 (2 in a row), retry 12:14:00``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from omisync.daemon.cycle import CycleOutcome, CycleResult

__all__ = ["ConnectorStatus", "StatusBoard"]


@dataclass(slots=True)
class ConnectorStatus:
    """One connector's last cycle, failures in a row, next run and current activity."""

    name: str
    last: CycleResult | None = None
    failures: int = 0
    next_run: datetime | None = None
    activity: str | None = None
    """What a running cycle is doing right now (e.g. waiting for a rate limit), else None."""

    def describe(self) -> str:
        """This connector's part of the status line."""
        if self.activity:
            return f"{self.name}: {self.activity}"
        if self.last is None:
            head = f"{self.name}: not synced yet"
        else:
            head = f"{self.name}: {self.last.outcome} {_clock(self.last.finished_at)}"
            if self.failures > 1:
                head += f" ({self.failures} in a row)"
        if self.next_run is None:
            return head
        word = "retry" if self.failures else "next"
        return f"{head}, {word} {_clock(self.next_run)}"


def _clock(moment: datetime) -> str:
    return moment.astimezone().strftime("%H:%M:%S")


class StatusBoard:
    """Every scheduled connector's :class:`ConnectorStatus`; thread-safe.

    ``scrub`` cleans the line of secrets (a failure message may quote a service's answer).
    """

    def __init__(self, scrub: Callable[[str], str] = str) -> None:
        self.scrub = scrub
        self._lock = threading.Lock()
        self._connectors: dict[str, ConnectorStatus] = {}

    def track(self, names: Iterable[str]) -> None:
        """Keep exactly ``names`` (in that order); a connector already tracked keeps its state."""
        with self._lock:
            self._connectors = {
                name: self._connectors.get(name) or ConnectorStatus(name) for name in names
            }

    def failures(self, name: str) -> int:
        """Failed cycles in a row of ``name`` (0 when unknown)."""
        with self._lock:
            status = self._connectors.get(name)
            return status.failures if status else 0

    def set_activity(self, name: str, activity: str | None) -> None:
        """Say what ``name``'s running cycle is doing (None: nothing worth saying)."""
        with self._lock:
            if name in self._connectors:
                self._connectors[name].activity = activity

    def set_next_run(self, name: str, when: datetime | None) -> None:
        """Record when ``name`` runs next."""
        with self._lock:
            if name in self._connectors:
                self._connectors[name].next_run = when

    def record(self, result: CycleResult) -> int:
        """Record a finished cycle; return the connector's failures in a row since.

        A synced or partial cycle resets the count, a failed one adds one, a skipped or
        stopped one leaves it.
        """
        with self._lock:
            status = self._connectors.get(result.connector)
            if status is None:
                return 0  # dropped by a reload while it ran
            status.last = result
            status.activity = None
            if result.outcome is CycleOutcome.FAILED:
                status.failures += 1
            elif result.outcome in (CycleOutcome.SYNCED, CycleOutcome.PARTIAL):
                status.failures = 0
            return status.failures

    def line(self) -> str:
        """The status line: every connector's part, joined by ``; ``."""
        with self._lock:
            parts = [status.describe() for status in self._connectors.values()]
        return self.scrub("; ".join(parts) if parts else "no connector is enabled")
