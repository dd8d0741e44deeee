"""When each connector syncs: one APScheduler interval job per connector, one worker for all.

One state DB means one run lock, so cycles never overlap, not even across connectors: the
scheduler's executor is a thread pool of exactly one worker. A job that comes due while
another connector's cycle runs waits in that worker's queue; a job still waiting (or running)
when it comes due again is not queued twice (``max_instances=1``) and missed runs (a suspended
laptop) collapse into one (``coalesce``, no misfire grace limit).

Each job fires at its connector's ``interval`` plus a random jitter (a tenth of the interval,
at most a minute), so connectors sharing an interval drift apart instead of bunching.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import structlog
from apscheduler.events import EVENT_JOB_MAX_INSTANCES, JobEvent
from apscheduler.executors.pool import BasePoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

__all__ = ["Schedule", "jitter_for"]

_log = structlog.get_logger("omisync.daemon")

#: The largest random delay added to a fire time.
MAX_JITTER = timedelta(minutes=1)


class _PoolExecutor(BasePoolExecutor):  # type: ignore[misc]  # untyped base
    """APScheduler's executor over a pool the caller owns."""

    def __init__(self, pool: ThreadPoolExecutor) -> None:
        super().__init__(pool)


class _DropCoalesced(logging.Filter):
    """Drops APScheduler's warning that a job still queued or running came due again: with
    one worker for every connector that is routine (logged by us at debug instead)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances" not in str(record.msg)


def _quiet_coalescing(logger: logging.Logger) -> None:
    if not any(isinstance(f, _DropCoalesced) for f in logger.filters):
        logger.addFilter(_DropCoalesced())


def jitter_for(interval: timedelta) -> float:
    """Seconds of random jitter for a job repeating every ``interval``."""
    return min(interval.total_seconds() / 10, MAX_JITTER.total_seconds())


class Schedule:
    """The connectors' timetable. ``run_cycle(name)`` is called on the single worker thread.

    Jobs are identified by connector name. Not usable again after :meth:`shutdown`.
    """

    def __init__(self, run_cycle: Callable[[str], None]) -> None:
        self._run_cycle = run_cycle
        self._intervals: dict[str, timedelta] = {}
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="omisync-sync")
        self._scheduler = BackgroundScheduler(
            executors={"default": _PoolExecutor(self._worker)},
            job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
            timezone=UTC,
        )
        self._scheduler.add_listener(self._on_skipped, EVENT_JOB_MAX_INSTANCES)
        _quiet_coalescing(logging.getLogger("apscheduler.scheduler"))

    def start(self) -> None:
        """Start the scheduler thread."""
        self._scheduler.start()

    def apply(self, intervals: Mapping[str, timedelta]) -> None:
        """Make the timetable hold exactly ``intervals`` (connector name -> interval).

        A new connector is due at once; one whose interval changed is rescheduled from now;
        an unchanged one keeps its next run time; a connector no longer listed loses its job
        (a cycle of it already running finishes).
        """
        now = datetime.now(UTC)
        for name in list(self._intervals):
            if name not in intervals:
                self._scheduler.remove_job(name)
                del self._intervals[name]
        for name, interval in intervals.items():
            known = self._intervals.get(name)
            if known == interval:
                continue
            trigger = IntervalTrigger(
                seconds=interval.total_seconds(), jitter=jitter_for(interval), timezone=UTC
            )
            if known is None:
                self._scheduler.add_job(
                    self._run_cycle, trigger, args=(name,), id=name, name=name, next_run_time=now
                )
            else:
                self._scheduler.reschedule_job(name, trigger=trigger)
            self._intervals[name] = interval

    def trigger(self, name: str) -> IntervalTrigger | None:
        """The APScheduler trigger of connector ``name``'s job (None when it has none)."""
        job = self._scheduler.get_job(name)
        return job.trigger if job is not None else None

    def next_run(self, name: str) -> datetime | None:
        """When connector ``name`` runs next (UTC), or None when it has no job."""
        job = self._scheduler.get_job(name)
        return job.next_run_time if job is not None else None

    def defer(self, name: str, delay: timedelta) -> datetime | None:
        """Move connector ``name``'s next run to ``delay`` from now; return that time (None
        when the connector has no job any more). Later runs follow its interval again."""
        when = datetime.now(UTC) + delay
        try:
            self._scheduler.modify_job(name, next_run_time=when)
        except JobLookupError:  # a reload removed the connector while its cycle ran
            return None
        return when

    def shutdown(self) -> None:
        """Stop scheduling, then wait for the worker: the cycle in flight finishes, queued
        ones are handed to the worker and must return at once (the caller's stop flag)."""
        # Not shutdown(wait=True): APScheduler waits holding the lock that the worker's own
        # next_run()/defer() calls need.
        self._scheduler.shutdown(wait=False)
        self._worker.shutdown(wait=True)

    def _on_skipped(self, event: JobEvent) -> None:
        _log.debug("cycle.coalesced", connector=event.job_id)
