"""Gather ``omisync status`` from the config, the state DB (read-only) and the run lock file."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from omisync.config import Config
from omisync.ratelimit import RateLimiter, SqliteUsageStore
from omisync.session import omi_rate_limits_for
from omisync.state import RunLock, RunRecord, StateDB
from omisync.status.daemon_schedule import load_schedule
from omisync.status.model import (
    ConnectorStatus,
    LastRun,
    OpenConflict,
    PendingWrite,
    RateBucketStatus,
    RefusedItem,
    RunningNow,
    StatusReport,
)
from omisync.status.read_only import open_read_only
from omisync.sync.links import Kind, LinkState

__all__ = ["collect_status"]

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def collect_status(config: Config, *, clock: Clock = _utc_now) -> StatusReport:
    """Return the status of the setup ``config`` describes.

    Never takes the run lock and never writes: the state DB is opened read-only, and a missing
    one means "never run" (every connector without runs or links). Raises
    :class:`omisync.state.StateError` subclasses when the state DB exists but cannot be read.
    """
    path = Path(config.state.path)
    if not path.is_file():
        return _report(config, path, None, clock())
    with open_read_only(path) as state:
        return _report(config, path, state, clock())


def _report(config: Config, path: Path, state: StateDB | None, now: datetime) -> StatusReport:
    names = list(config.connectors)
    if state is not None:
        names += sorted(_remembered(state) - set(names))
    holder = RunLock.holder(path)
    return StatusReport(
        generated_at=now,
        config_path=None if config.source is None else str(config.source),
        state_path=str(path),
        state_exists=state is not None,
        running=None
        if holder is None
        else RunningNow(holder.pid, holder.started_at, holder.is_alive()),
        rate_profile=config.omi.rate_limit.profile,
        rate_budget=_rate_budget(config, state, now),
        connectors=[_connector(config, name, state, now) for name in names],
    )


def _remembered(state: StateDB) -> set[str]:
    """Connectors the state DB knows of (links, refusals, pending writes)."""
    names = {connector for connector, _ in state.links.count()}
    names.update(refusal.connector for refusal in state.refusals.all())
    names.update(entry.connector for entry in state.journal.pending())
    return names


def _connector(config: Config, name: str, state: StateDB | None, now: datetime) -> ConnectorStatus:
    settings = config.connectors.get(name)
    interval = None if settings is None else settings.interval
    record = None if state is None else state.runs.last(name)
    planned = None if state is None else load_schedule(state, name)
    if settings is None or not settings.enabled:
        next_run, source, failures = None, None, 0
    elif planned is not None and planned.daemon.is_alive():
        next_run, source, failures = planned.next_run, "daemon", planned.failures
    else:
        next_run, source = _next_run(record, interval, now), "estimate"
        failures = 0
    return ConnectorStatus(
        name=name,
        configured=settings is not None,
        type=None if settings is None else settings.type,
        enabled=None if settings is None else settings.enabled,
        interval_s=None if interval is None else interval.total_seconds(),
        last_run=None if record is None else _last_run(record),
        next_run=next_run,
        next_run_source=None if next_run is None else source,
        failures_in_a_row=failures,
        links={} if state is None else _link_counts(state, name),
        conflicts=[] if state is None else list(_conflicts(state, name)),
        refused=[] if state is None else _refused(state, name),
        pending_writes=[] if state is None else _pending(state, name),
    )


def _last_run(record: RunRecord) -> LastRun:
    return LastRun(
        run_id=record.run_id,
        started_at=record.started_at,
        finished_at=record.finished_at,
        outcome=None if record.outcome is None else record.outcome.value,
        duration_s=record.duration_s,
        counts=dict(record.counts),
        errors=[str(error) for error in record.errors],
        problems=[str(problem) for problem in record.problems],
    )


def _next_run(
    record: RunRecord | None, interval: timedelta | None, now: datetime
) -> datetime | None:
    """When the daemon syncs next: an interval after the last run ended (at once if overdue)."""
    if record is None or record.finished_at is None or interval is None:
        return None
    return max(record.finished_at + interval, now)


def _link_counts(state: StateDB, name: str) -> dict[str, int]:
    return {kind.value: count for (_, kind), count in sorted(state.links.count(name).items())}


def _conflicts(state: StateDB, name: str) -> Iterable[OpenConflict]:
    for kind in Kind:
        for link in state.links.load(name, kind).values():
            if link.state is not LinkState.CONFLICT:
                continue
            yield OpenConflict(
                kind=kind.value,
                link_id=link.link_id,
                omi_id=link.omi_id,
                peer_id=link.peer_id,
                text=str(link.omi_base.get("text") or link.peer_base.get("text") or ""),
                fields=dict(link.conflict or {}),
            )


def _refused(state: StateDB, name: str) -> list[RefusedItem]:
    return [
        RefusedItem(
            r.kind, r.side.value, r.item_id, r.reason, r.first_seen, r.last_seen, where=r.place
        )
        for r in state.refusals.all(name)
    ]


def _pending(state: StateDB, name: str) -> list[PendingWrite]:
    writes = []
    for entry in state.journal.pending(name):
        fields = entry.payload.get("fields")
        text = fields.get("text") if isinstance(fields, dict) else None
        writes.append(
            PendingWrite(
                entry_id=entry.entry_id,
                kind=entry.kind,
                side=entry.side.value,
                op=entry.op.value,
                item_id=entry.item_id,
                text=text if isinstance(text, str) else None,
                attempts=entry.attempts,
                last_error=entry.last_error,
                since=entry.created_at,
            )
        )
    return writes


def _rate_budget(config: Config, state: StateDB | None, now: datetime) -> list[RateBucketStatus]:
    """What the Omi limiter would allow now, from the usage the runs persisted."""
    store = None if state is None else SqliteUsageStore(state.db)
    limiter = RateLimiter("omi", omi_rate_limits_for(config.omi), store=store, clock=now.timestamp)
    return [
        RateBucketStatus(usage.bucket, usage.used, usage.limit, usage.per_seconds)
        for usage in limiter.usage()
    ]
