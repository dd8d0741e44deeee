"""``omisync status`` in words: what a person reads on a terminal."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from typing import Any, TypeVar

from omisync.ratelimit import format_duration
from omisync.status.model import (
    ConnectorStatus,
    LastRun,
    OpenConflict,
    PendingWrite,
    RateBucketStatus,
    RefusedItem,
    StatusReport,
)
from omisync.wording import count_phrase

__all__ = ["render_text"]

_Item = TypeVar("_Item")


def render_text(report: StatusReport, zone: tzinfo) -> str:
    """Return the report as indented lines, times shown in ``zone``."""
    lines = [f"config:   {report.config_path or '(built in code)'}"]
    lines.append(
        f"state DB: {report.state_path}"
        + ("" if report.state_exists else " (not created yet: omisync has never run)")
    )
    lines.append(f"running:  {_running(report, zone)}")
    lines.append(f"Omi rate budget ({report.rate_profile} limits): {_budget(report.rate_budget)}")
    if not report.connectors:
        lines.append("\nNo connectors are configured; add one under `connectors:` in the config.")
    for connector in report.connectors:
        lines.append("")
        lines.extend(_connector(connector, report.generated_at, zone))
    return "\n".join(lines)


def _when(moment: datetime, now: datetime, zone: tzinfo) -> str:
    local = moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z")
    delta = (now - moment).total_seconds()
    if delta >= 1:
        return f"{local} ({format_duration(delta)} ago)"
    if delta <= -1:
        return f"{local} (in {format_duration(-delta)})"
    return f"{local} (now)"


def _running(report: StatusReport, zone: tzinfo) -> str:
    running = report.running
    if running is None:
        return "no run in progress"
    since = _when(running.since, report.generated_at, zone)
    if running.alive:
        return f"a run is in progress: PID {running.pid}, since {since}"
    return (
        f"no run in progress (PID {running.pid}, which started at {since}, died holding the lock)"
    )


def _budget(buckets: list[RateBucketStatus]) -> str:
    parts = []
    for bucket in buckets:
        window = f" per {format_duration(bucket.window_s)}" if bucket.window_s else ""
        if bucket.limit is None:
            parts.append(f"{bucket.name} {bucket.used} used")
        else:
            parts.append(f"{bucket.name} {bucket.remaining}/{bucket.limit} left{window}")
    return ", ".join(parts) if parts else "no limits configured"


def _connector(connector: ConnectorStatus, now: datetime, zone: tzinfo) -> list[str]:
    if connector.configured:
        interval = format_duration(connector.interval_s or 0)
        state = "" if connector.enabled else ", disabled"
        head = f"{connector.name} ({connector.type}, every {interval}{state})"
    else:
        head = f"{connector.name} (not in the config any more; its state is kept)"
    lines = [head]
    lines.extend(_last_run(connector, now, zone))
    if connector.next_run is not None:
        when = _when(connector.next_run, now, zone)
        if connector.next_run_source != "daemon":
            lines.append(f"  next run:  {when}, if the daemon runs")
        elif connector.failures_in_a_row:
            failures = connector.failures_in_a_row
            lines.append(f"  next run:  {when}, a retry after {failures} failed in a row")
        else:
            lines.append(f"  next run:  {when}")
    links = ", ".join(f"{count} {kind}s" for kind, count in connector.links.items())
    lines.append(f"  links:     {links or 'none yet'}")
    lines.extend(_section("conflicts", connector.conflicts, _conflict, connector.name))
    lines.extend(_section("refused", connector.refused, _refused, connector.name))
    lines.extend(_section("pending writes", connector.pending_writes, _pending, connector.name))
    return lines


def _last_run(connector: ConnectorStatus, now: datetime, zone: tzinfo) -> list[str]:
    run = connector.last_run
    if run is None:
        return ["  last run:  never"]
    if run.finished_at is None:
        return [
            f"  last run:  #{run.run_id} started {_when(run.started_at, now, zone)}, not finished"
        ]
    took = f", took {format_duration(run.duration_s)}" if run.duration_s is not None else ""
    lines = [
        f"  last run:  #{run.run_id} {run.outcome}, ended {_when(run.finished_at, now, zone)}{took}"
    ]
    lines.extend(f"    {line}" for line in _counts(run, connector.name))
    lines.extend(f"    error: {error}" for error in run.errors)
    lines.extend(f"    problem: {problem}" for problem in run.problems)
    return lines


def _counts(run: LastRun, peer: str) -> list[str]:
    by_kind: dict[str, list[str]] = defaultdict(list)
    for key, count in sorted(run.counts.items()):
        kind, _, what = key.partition(".")
        by_kind[kind].append(count_phrase(what, count, peer))
    if not by_kind:
        return ["nothing to write: in sync"]
    return [f"{kind}s: {', '.join(parts)}" for kind, parts in by_kind.items()]


def _section(
    title: str, items: Sequence[_Item], line: Callable[[_Item, str], str], peer: str
) -> list[str]:
    if not items:
        return []
    return [f"  {title} ({len(items)}):", *(f"    {line(item, peer)}" for item in items)]


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)


def _conflict(conflict: OpenConflict, peer: str) -> str:
    fields = "; ".join(
        f"{name}: Omi {_value(sides.get('omi'))}, {peer} {_value(sides.get('peer'))}"
        for name, sides in conflict.fields.items()
    )
    return f"{conflict.kind} {conflict.text!r}: {fields}"


def _refused(item: RefusedItem, peer: str) -> str:
    side = "Omi" if item.side == "omi" else peer
    return f"{item.kind} {item.where or item.item_id} in {side}: {item.reason}"


def _pending(write: PendingWrite, peer: str) -> str:
    where = "Omi" if write.side == "omi" else peer
    what = f" {write.text!r}" if write.text else f" {write.item_id}" if write.item_id else ""
    tries = f", {write.attempts} failed attempt(s)" if write.attempts else ""
    error = f", last error: {write.last_error}" if write.last_error else ""
    return f"{write.op} {write.kind}{what} in {where}{tries}{error}"
