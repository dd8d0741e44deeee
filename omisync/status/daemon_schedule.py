"""What the daemon tells ``omisync status`` about its timetable, through the state DB.

After each cycle the daemon saves, per connector, when it will really sync it next — which
differs from "last run + interval" when a failing connector backs off — and its own PID, in
the ``cursors`` table (kind :data:`KIND`). ``omisync status`` shows that time while the
daemon lives, and an estimate otherwise.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime

from omisync.state import LockHolder, StateDB

__all__ = ["KIND", "DaemonSchedule", "load_schedule", "save_schedule"]

#: The cursors-table kind (and name) the schedule is kept under.
KIND = "daemon"
_NAME = "schedule"


@dataclass(frozen=True, slots=True)
class DaemonSchedule:
    """A connector's next run as a daemon planned it (None: not scheduled); ``failures`` is its
    failed cycles in a row (more than 0: the next run is a retry after a backoff); ``daemon``
    is the process that saved it, and when (``daemon.is_alive()`` says if it still runs)."""

    next_run: datetime | None
    failures: int
    daemon: LockHolder


def save_schedule(state: StateDB, connector: str, next_run: datetime | None, failures: int) -> None:
    """Record ``connector``'s next run as planned by this process."""
    value = {
        "next_run": None if next_run is None else next_run.isoformat(),
        "failures": failures,
        "pid": os.getpid(),
        "saved_at": state.now().isoformat(),
    }
    state.cursors.set(connector, KIND, _NAME, value)


def load_schedule(state: StateDB, connector: str) -> DaemonSchedule | None:
    """What a daemon last recorded for ``connector`` (None: never, or unreadable)."""
    value = state.cursors.get(connector, KIND, _NAME)
    if not isinstance(value, dict):
        return None
    try:
        when = value.get("next_run")
        return DaemonSchedule(
            next_run=None if when is None else datetime.fromisoformat(when),
            failures=int(value.get("failures", 0)),
            daemon=LockHolder(int(value["pid"]), datetime.fromisoformat(value["saved_at"])),
        )
    except (KeyError, TypeError, ValueError):
        return None
