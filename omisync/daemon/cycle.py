"""One scheduled cycle: open a session, sync one connector, and say how it went.

:func:`run_cycle` never raises: whatever goes wrong — the state DB is locked or broken, the
plugin raises, a listing fails, the service is unreachable, a stop was asked for — becomes a
:class:`CycleResult` the daemon logs and schedules around.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import structlog

from omisync.cli.render import summarise
from omisync.config import ConfigError
from omisync.plugins import BrokenConnectorError, UnknownConnectorError
from omisync.session import Session
from omisync.state import RunOutcome, StateError, StateLockedError
from omisync.stopper import StopRequested
from omisync.sync.report import SyncReport

__all__ = ["CycleOutcome", "CycleResult", "StopRequested", "run_cycle"]

_log = structlog.get_logger("omisync.daemon")

#: Errors whose message already tells the user what is wrong and what to do.
_EXPLAINED = (StateError, ConfigError, UnknownConnectorError, BrokenConnectorError)


class CycleOutcome(StrEnum):
    """How one cycle ended."""

    SYNCED = "synced"
    """Everything planned was done."""
    PARTIAL = "partial"
    """Done, but some items failed or were refused; they are retried next cycle."""
    FAILED = "failed"
    """Nothing could be synced (an exception, a failed listing, an unreachable service)."""
    SKIPPED = "skipped"
    """Another process held the state DB's run lock."""
    STOPPED = "stopped"
    """A stop was asked for; the cycle ended after its batch in flight."""


@dataclass(frozen=True, slots=True)
class CycleResult:
    """What one cycle of ``connector`` did: its outcome, when it ended, a one-line
    ``message`` (the first error of a failed or partial cycle), how many item writes
    succeeded and, when the sync ran, its report in a few lines (``summary``)."""

    connector: str
    outcome: CycleOutcome
    finished_at: datetime
    message: str = ""
    writes: int = 0
    summary: tuple[str, ...] = ()


def run_cycle(name: str, open_session: Callable[[], Session]) -> CycleResult:
    """Sync connector ``name`` once in a session from ``open_session`` and classify the result.

    Once the session is open, the run's id is bound as ``run_id`` in the caller's structlog
    context (:func:`structlog.contextvars.bind_contextvars`), so every line logged about the
    cycle carries it; the caller unbinds it (e.g. inside ``bound_contextvars(run_id=None)``).

    Returns a :class:`CycleResult`; never raises (an unexpected exception is logged with its
    traceback and counts as FAILED).
    """
    try:
        with open_session() as session:
            structlog.contextvars.bind_contextvars(run_id=session.next_run_id())
            report = session.sync(name)
    except StopRequested:
        return _result(name, CycleOutcome.STOPPED, "stopped after the batch in flight")
    except StateLockedError as error:
        return _result(name, CycleOutcome.SKIPPED, str(error))
    except _EXPLAINED as error:
        return _result(name, CycleOutcome.FAILED, str(error))
    except Exception as error:
        _log.exception("cycle.crashed", error=f"{type(error).__name__}: {error}")
        return _result(name, CycleOutcome.FAILED, f"{type(error).__name__}: {error}")
    return _from_report(report)


def _result(name: str, outcome: CycleOutcome, message: str) -> CycleResult:
    return CycleResult(name, outcome, datetime.now(UTC), message)


def _from_report(report: SyncReport) -> CycleResult:
    errors = report.errors
    if report.outcome is RunOutcome.FAILED:
        outcome, message = CycleOutcome.FAILED, errors[0]
    elif report.outcome is RunOutcome.PARTIAL:
        outcome = CycleOutcome.PARTIAL
        message = errors[0] if errors else f"{report.refused} item(s) refused"
    else:
        outcome, message = CycleOutcome.SYNCED, ""
    return CycleResult(
        report.connector,
        outcome,
        datetime.now(UTC),
        message,
        writes=sum(kind.writes for kind in report.kinds),
        summary=tuple(summarise(report)),
    )
