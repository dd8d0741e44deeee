"""The long-running ``omisync run``: every enabled connector synced on its own interval.

Threads and their jobs:

- the **main thread** owns the signals (the other threads block them) and systemd: it waits
  on an event queue that only the signal handlers feed (``SimpleQueue.put`` is reentrant, so
  a handler may call it at any moment), pings the watchdog, reloads the config on SIGHUP and
  stops on SIGTERM/SIGINT;
- APScheduler's **scheduler thread** decides when each connector is due
  (:mod:`omisync.daemon.schedule`);
- the one **worker thread** runs the cycles, one at a time, each in a fresh
  :class:`omisync.session.Session` (run lock, state DB, Omi client) that reuses the
  connector's side from earlier cycles of the same config.

A graceful stop is a :class:`omisync.stopper.Stopper` request: the cycle stops at its next
safe point (before journaling a new batch, or once the batch in flight has committed), a
rate-limit or retry wait ends at once, the run is recorded as interrupted, cycles still queued
return at once, and the process exits 0. A second stop signal exits at once (130); the write
journal makes that as safe as a crash.

Every line logged about a cycle carries its ``connector`` and ``run_id``.
"""

from __future__ import annotations

import os
import queue
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any, Literal

import structlog

from omisync.cli.exit_codes import ExitCode
from omisync.config import Config, ConfigError
from omisync.daemon.backoff import Backoff
from omisync.daemon.board import StatusBoard
from omisync.daemon.cycle import CycleOutcome, CycleResult, run_cycle
from omisync.daemon.heartbeat import DEFAULT_STALL_LIMIT, Heartbeat
from omisync.daemon.notify import SystemdNotifier
from omisync.daemon.schedule import Schedule
from omisync.logs import Redactor, config_secrets, configure_logging, log_warnings
from omisync.plugins import BrokenConnectorError, UnknownConnectorError
from omisync.progress import SyncProgress
from omisync.ratelimit import WaitNotice
from omisync.session import Session, UnknownConnectorNameError
from omisync.state import StateDB, StateError
from omisync.status.daemon_schedule import save_schedule
from omisync.stopper import Stopper
from omisync.sync.side import Side

__all__ = ["Daemon"]

_log = structlog.get_logger("omisync.daemon")

_Event = Literal["stop", "reload"]
_HANDLED_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
#: Reload errors whose message tells the user what to fix (any other is logged with its
#: traceback, as a bug); either way the old configuration is kept.
_EXPLAINED_RELOAD_ERRORS = (
    ConfigError,
    UnknownConnectorError,
    BrokenConnectorError,
    UnknownConnectorNameError,
)


@dataclass(frozen=True)
class _Generation:
    """One loaded config: the connectors it schedules and their sides, reused across cycles."""

    config: Config
    names: tuple[str, ...]
    sides: dict[str, Side] = field(default_factory=dict)


class Daemon:
    """Keeps the enabled connectors of ``config`` in sync until SIGTERM or SIGINT.

    - ``reload_config``: loads the config again on SIGHUP; whatever it raises (a
      :class:`ConfigError`, a plugin error, a bug) is logged and keeps the old config.
    - ``only``: schedule just these connectors (``--connector``); None for every enabled one.
    - ``verbosity``: the log level, re-applied with the new secrets after a reload.
    - ``lock_timeout``: how long a cycle waits for another process's run to finish before it
      is skipped until its next turn.
    - ``notifier``, ``backoff``, ``stall_limit``: systemd, failure backoff and watchdog
      settings (see their modules).
    - ``progress``: a terminal display of each cycle's writes and rate-limit waits (the
      daemon run in the foreground on a long first import); cleared after each cycle.

    Raises :class:`UnknownConnectorNameError` at construction when ``only`` names a connector
    the config lacks.
    """

    def __init__(
        self,
        config: Config,
        *,
        reload_config: Callable[[], Config],
        only: list[str] | None = None,
        verbosity: int = 0,
        lock_timeout: float = 0.0,
        notifier: SystemdNotifier | None = None,
        backoff: Backoff | None = None,
        stall_limit: float = DEFAULT_STALL_LIMIT,
        progress: SyncProgress | None = None,
    ) -> None:
        self.reload_config = reload_config
        self.only = only
        self.verbosity = verbosity
        self.lock_timeout = lock_timeout
        self.notifier = notifier or SystemdNotifier()
        self.backoff = backoff or Backoff()
        self.heartbeat = Heartbeat(stall_limit)
        self.progress = progress
        self._generation = self._generation_for(config)
        self._secrets: set[str] = set(config_secrets(config))
        self.board = StatusBoard(scrub=Redactor(self._secrets).scrub)
        self._schedule = Schedule(self._cycle)
        self._events: queue.SimpleQueue[_Event] = queue.SimpleQueue()
        self._stopper = Stopper()

    # --- main thread ----------------------------------------------------------------------

    def run(self) -> int:
        """Schedule the connectors and serve until a stop signal; return the exit code (0).

        Must be called from the main thread (signal handlers are installed there). Returns
        :attr:`ExitCode.USAGE` when the connectors cannot even be scheduled.
        """
        with self._signal_handlers():
            with _blocked(_HANDLED_SIGNALS):
                # Threads inherit the mask: the scheduler thread and the worker it spawns
                # never take these signals, so they always interrupt the main thread's wait.
                self._schedule.start()
            try:
                try:
                    self._activate(self._generation)
                except Exception as error:
                    _log.exception("daemon.start_failed", error=str(error) or type(error).__name__)
                    return ExitCode.USAGE
                _log.info("daemon.started", pid=os.getpid(), connectors=self._generation.names)
                self.notifier.ready(self.board.line())
                self._serve()
            finally:
                self._stopper.request()
                self.notifier.stopping()
                _log.info("daemon.stopping")
                self._schedule.shutdown()
        _log.info("daemon.stopped")
        return ExitCode.OK

    def _serve(self) -> None:
        period = self.notifier.watchdog_period()
        last_ping = float("-inf")
        while True:
            timeout = None if period is None else max(0.0, last_ping + period - time.monotonic())
            try:
                event: _Event | None = self._events.get(timeout=timeout)
            except queue.Empty:
                event = None
            if period is not None and time.monotonic() - last_ping >= period:
                last_ping = time.monotonic()
                self._feed_watchdog()
            if event == "stop":
                return
            if event == "reload":
                self._reload()

    def _feed_watchdog(self) -> None:
        if self.heartbeat.healthy():
            self.notifier.watchdog()
        else:
            _log.error(
                "daemon.stalled",
                seconds=self.heartbeat.stall_limit,
                action="no watchdog ping; systemd will restart the service",
            )

    def _reload(self) -> None:
        self.notifier.reloading()
        previous = self._generation
        try:
            config = self.reload_config()
            generation = self._generation_for(config)
            self._secrets.update(config_secrets(config))
            configure_logging(verbosity=self.verbosity, secrets=self._secrets)
            self.board.scrub = Redactor(self._secrets).scrub
            self._activate(generation)
        except Exception as error:
            self._reload_failed(error)
            self._generation = previous
            try:
                self._activate(previous)
            except Exception:  # the old timetable could not be restored: keep what runs
                _log.exception("config.restore_failed")
        else:
            log_warnings(config)
            self._generation = generation
            _log.info("config.reloaded", connectors=generation.names)
        self.notifier.ready(self.board.line())

    def _reload_failed(self, error: Exception) -> None:
        if isinstance(error, ConfigError):
            problems = [str(problem) for problem in error.problems]
        else:
            problems = [str(error) or type(error).__name__]
        fields: dict[str, Any] = {
            "error": (str(error) or type(error).__name__).splitlines()[0],
            "problems": problems,
            "action": "kept the previous configuration; fix the file and send SIGHUP again",
        }
        if isinstance(error, _EXPLAINED_RELOAD_ERRORS):
            _log.error("config.reload_failed", **fields)
        else:
            _log.exception("config.reload_failed", **fields)

    def _generation_for(self, config: Config) -> _Generation:
        names = Session(config).connector_names(self.only)
        return _Generation(config, tuple(names))

    def _activate(self, generation: _Generation) -> None:
        if not generation.names:
            _log.warning(
                "daemon.idle",
                reason="no connector is enabled",
                action="add one to the config and send SIGHUP (systemctl reload omisync)",
            )
        self.board.track(generation.names)
        self._schedule.apply(
            {name: generation.config.connectors[name].interval for name in generation.names}
        )
        for name in generation.names:
            self.board.set_next_run(name, self._schedule.next_run(name))

    @contextmanager
    def _signal_handlers(self) -> Iterator[None]:
        previous = {signum: signal.signal(signum, self._on_signal) for signum in _HANDLED_SIGNALS}
        try:
            yield
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        # Runs between two bytecodes of the main thread: only reentrant-safe calls here.
        if signum == signal.SIGHUP:
            self._events.put("reload")
        elif self._stopper.requested:
            os._exit(ExitCode.INTERRUPTED)
        else:
            self._stopper.request()
            self._events.put("stop")

    # --- worker thread --------------------------------------------------------------------

    def _cycle(self, name: str) -> None:
        generation = self._generation
        if self._stopper.requested or name not in generation.names:
            return
        self.heartbeat.busy(True)
        self._set_activity(name, "syncing")
        try:
            # run_cycle binds the run id once it is known; it stays bound while we log the result.
            with structlog.contextvars.bound_contextvars(connector=name, run_id=None):
                result = run_cycle(name, lambda: self._open_session(generation, name))
                self._finish(generation, result)
        finally:
            self.heartbeat.busy(False)

    def _open_session(self, generation: _Generation, name: str) -> Session:
        return Session(
            generation.config,
            lock_timeout=self.lock_timeout,
            on_rate_wait=lambda notice: self._rate_wait(name, notice),
            checkpoint=lambda step: self.heartbeat.beat(),
            peer_sides=generation.sides,
            stopper=self._stopper,
            progress=self.progress,
        )

    def _rate_wait(self, name: str, notice: WaitNotice) -> None:
        self.heartbeat.beat()
        self._set_activity(
            name, f"waiting {notice.seconds:.0f} s for the {notice.service} rate limit"
        )
        _log.info("cycle.rate_wait", seconds=round(notice.seconds, 1), reason=notice.reason)

    def _finish(self, generation: _Generation, result: CycleResult) -> None:
        name = result.connector
        if self.progress is not None:
            self.progress.clear()
        failures = self.board.record(result)
        fields: dict[str, Any] = {"outcome": str(result.outcome), "writes": result.writes}
        if result.outcome is CycleOutcome.FAILED:
            # A side that failed may hold a bad connection or cache: build it afresh.
            generation.sides.pop(name, None)
            interval = generation.config.connectors[name].interval
            delay = self.backoff.delay(interval, failures)
            next_run = self._schedule.defer(name, delay)
            _log.warning(
                "cycle.failed",
                error=result.message,
                failures=failures,
                retry_in=delay.total_seconds(),
            )
        else:
            next_run = self._schedule.next_run(name)
            if result.outcome is CycleOutcome.SKIPPED:
                _log.warning("cycle.skipped", reason=result.message)
            elif result.outcome is CycleOutcome.PARTIAL:
                _log.warning(
                    "cycle.partial", error=result.message, summary=result.summary, **fields
                )
            else:
                _log.info(f"cycle.{result.outcome}", summary=result.summary, **fields)
        self.board.set_next_run(name, next_run)
        if result.outcome is not CycleOutcome.STOPPED:
            self._publish_next_run(generation.config, name, next_run, failures)
        self.notifier.status(self.board.line())

    def _publish_next_run(
        self, config: Config, name: str, next_run: datetime | None, failures: int
    ) -> None:
        """Tell ``omisync status`` when ``name`` really runs next (a backoff included)."""
        try:
            with StateDB.open(Path(config.state.path)) as state:
                save_schedule(state, name, next_run, failures)
        except StateError as error:
            _log.warning("daemon.schedule_not_saved", error=str(error))

    def _set_activity(self, name: str, activity: str) -> None:
        self.board.set_activity(name, activity)
        self.notifier.status(self.board.line())


@contextmanager
def _blocked(signals: tuple[signal.Signals, ...]) -> Iterator[None]:
    """Block ``signals`` in the calling thread (and threads it starts) inside the block."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
