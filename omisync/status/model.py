"""What ``omisync status`` reports, as plain data with a stable JSON form.

Every class has ``to_json()`` returning JSON-able values only; times are ISO-8601 UTC strings
(``2026-11-29T06:14:08.334952+00:00``). The shape is versioned by :data:`SCHEMA_ID` and
described by :data:`omisync.status.json_schema.STATUS_JSON_SCHEMA`; fields are only ever
added within a version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: Names the shape of ``omisync status --json``; bumped only when a field changes meaning.
SCHEMA_ID = "omisync.status/1"


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


@dataclass(frozen=True, slots=True)
class LastRun:
    """The latest run record of a connector; ``finished_at``/``outcome`` are None while it runs.

    ``problems`` are what its listings and writes could not use or do (e.g. ``tasks:
    Journal/a.md is being edited; read next cycle``), not errors.
    """

    run_id: int
    started_at: datetime
    finished_at: datetime | None
    outcome: str | None
    duration_s: float | None
    counts: dict[str, int]
    errors: list[str]
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The JSON form (see the module docstring)."""
        return {
            "run_id": self.run_id,
            "started_at": _time(self.started_at),
            "finished_at": _time(self.finished_at),
            "outcome": self.outcome,
            "duration_seconds": self.duration_s,
            "counts": dict(self.counts),
            "errors": list(self.errors),
            "problems": list(self.problems),
        }


@dataclass(frozen=True, slots=True)
class OpenConflict:
    """A link parked under ``conflict: manual``: per field, what each side holds."""

    kind: str
    link_id: str
    omi_id: str | None
    peer_id: str | None
    text: str
    fields: dict[str, dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        """The JSON form: ``fields`` maps a field name to ``{"omi": value, "peer": value}``."""
        return {
            "kind": self.kind,
            "link_id": self.link_id,
            "omi_id": self.omi_id,
            "peer_id": self.peer_id,
            "text": self.text,
            "fields": self.fields,
        }


@dataclass(frozen=True, slots=True)
class RefusedItem:
    """An item omisync will not sync until it is fixed, and why; ``where`` is the place the
    user finds it (e.g. a vault path), when its side said."""

    kind: str
    side: str
    item_id: str
    reason: str
    first_seen: datetime
    last_seen: datetime
    where: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "kind": self.kind,
            "side": self.side,
            "item_id": self.item_id,
            "where": self.where,
            "reason": self.reason,
            "first_seen": _time(self.first_seen),
            "last_seen": _time(self.last_seen),
        }


@dataclass(frozen=True, slots=True)
class PendingWrite:
    """A journaled write whose outcome is unknown; the next run settles it."""

    entry_id: int
    kind: str
    side: str
    op: str
    item_id: str | None
    text: str | None
    attempts: int
    last_error: str | None
    since: datetime

    def to_json(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "entry_id": self.entry_id,
            "kind": self.kind,
            "side": self.side,
            "op": self.op,
            "item_id": self.item_id,
            "text": self.text,
            "attempts": self.attempts,
            "last_error": self.last_error,
            "since": _time(self.since),
        }


@dataclass(frozen=True, slots=True)
class ConnectorStatus:
    """Everything known about one connector: from the config, the state DB, or both.

    ``configured`` is False for a connector that only the state DB remembers (removed from the
    config); its ``type``, ``enabled`` and ``interval_s`` are then None. ``next_run`` is when
    the daemon will sync it next (None: disabled, never ran, or runs now): as the running
    daemon planned it (``next_run_source`` ``"daemon"``, a retry when ``failures_in_a_row``),
    else an ``"estimate"``: the last run's end plus the interval.
    """

    name: str
    configured: bool
    type: str | None
    enabled: bool | None
    interval_s: float | None
    last_run: LastRun | None
    next_run: datetime | None
    links: dict[str, int]
    next_run_source: str | None = None
    failures_in_a_row: int = 0
    conflicts: list[OpenConflict] = field(default_factory=list)
    refused: list[RefusedItem] = field(default_factory=list)
    pending_writes: list[PendingWrite] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "name": self.name,
            "configured": self.configured,
            "type": self.type,
            "enabled": self.enabled,
            "interval_seconds": self.interval_s,
            "last_run": None if self.last_run is None else self.last_run.to_json(),
            "next_run": _time(self.next_run),
            "next_run_source": self.next_run_source,
            "failures_in_a_row": self.failures_in_a_row,
            "links": dict(self.links),
            "conflicts": [conflict.to_json() for conflict in self.conflicts],
            "refused": [item.to_json() for item in self.refused],
            "pending_writes": [write.to_json() for write in self.pending_writes],
        }


@dataclass(frozen=True, slots=True)
class RunningNow:
    """The process named in the run lock file; ``alive`` False means it died holding it."""

    pid: int
    since: datetime
    alive: bool

    def to_json(self) -> dict[str, Any]:
        """The JSON form."""
        return {"pid": self.pid, "since": _time(self.since), "alive": self.alive}


@dataclass(frozen=True, slots=True)
class RateBucketStatus:
    """One Omi rate-limit bucket: requests spent in its current window, and what is left."""

    name: str
    used: int
    limit: int | None
    window_s: float | None

    @property
    def remaining(self) -> int | None:
        """Requests left in the window (None when the bucket has no known limit)."""
        return None if self.limit is None else max(self.limit - self.used, 0)

    def to_json(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "name": self.name,
            "used": self.used,
            "limit": self.limit,
            "remaining": self.remaining,
            "window_seconds": self.window_s,
        }


@dataclass(frozen=True, slots=True)
class StatusReport:
    """The whole of ``omisync status``.

    ``state_exists`` is False before the first run (then there are no runs, links or budget
    spent). ``running`` is the run holding the lock, if any.
    """

    generated_at: datetime
    config_path: str | None
    state_path: str
    state_exists: bool
    running: RunningNow | None
    rate_profile: str
    rate_budget: list[RateBucketStatus]
    connectors: list[ConnectorStatus]

    def to_json(self) -> dict[str, Any]:
        """The JSON form of ``omisync status --json`` (see :data:`SCHEMA_ID`)."""
        return {
            "schema": SCHEMA_ID,
            "generated_at": _time(self.generated_at),
            "config": self.config_path,
            "state_db": {"path": self.state_path, "exists": self.state_exists},
            "run_in_progress": None if self.running is None else self.running.to_json(),
            "omi_rate_budget": {
                "profile": self.rate_profile,
                "buckets": [bucket.to_json() for bucket in self.rate_budget],
            },
            "connectors": [connector.to_json() for connector in self.connectors],
        }
