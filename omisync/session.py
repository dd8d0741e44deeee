"""A sync session: the run lock, the state DB and the Omi client, opened once and shared by
every connector a run syncs.

::

    with Session(config) as session:
        for name in session.connector_names():
            report = session.sync(name)

``omisync run --once`` makes one session; the daemon makes one per scheduled cycle.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, MutableMapping
from contextlib import ExitStack
from pathlib import Path
from types import TracebackType
from typing import TypeVar
from zoneinfo import ZoneInfo

import structlog
from sqlite_utils import Database

from omisync.config import Config, ConnectorSettings, OmiSettings
from omisync.conversations import ConnectorReport, ConversationFlows
from omisync.omi import (
    API_KEY_ENV,
    ConfigurationError,
    OmiClient,
    RetryPolicy,
    Secret,
    omi_rate_limits,
    resolve_api_key,
)
from omisync.omi_side import OmiSide
from omisync.plugins import build_side, load_connector
from omisync.progress import SyncProgress, journal_checkpoint
from omisync.ratelimit import RateLimiter, RateLimits, SqliteUsageStore, WaitNotice
from omisync.state import RunLock, RunOutcome, StateDB
from omisync.state.errors import translate_sqlite_error
from omisync.state.migrations import MIGRATIONS, migrate
from omisync.stopper import Stopper
from omisync.sync.runner import Checkpoint, Runner
from omisync.sync.side import Side

__all__ = ["Session", "UnknownConnectorNameError", "omi_rate_limits_for", "state_copy"]

_T = TypeVar("_T")
_log = structlog.get_logger("omisync.session")


def _chained(*hooks: Callable[[_T], None] | None) -> Callable[[_T], None] | None:
    """One hook calling each given one in turn (None when none is given)."""
    present = [hook for hook in hooks if hook is not None]
    if len(present) <= 1:
        return present[0] if present else None

    def call_each(value: _T) -> None:
        for hook in present:
            hook(value)

    return call_each


def omi_rate_limits_for(settings: OmiSettings) -> RateLimits:
    """The Omi rate limits the config asks for: its ``omi.rate_limit`` profile, numbers,
    backend ``boost`` and per-endpoint ``policies``."""
    limits = settings.rate_limit
    return omi_rate_limits(
        limits.profile,
        per_minute=limits.per_minute,
        per_day=limits.per_day,
        boost=limits.boost,
        policies=limits.policies,
    )


def state_copy(path: Path) -> tuple[StateDB, bool]:
    """An in-memory copy of the state DB file at ``path``, migrated in memory, and whether the
    file is from an older omisync (it needed migrations). The file is only read: no byte of it,
    and no file beside it, is written or created, and whatever the copy is given stays in memory.

    Without a ``-wal`` file beside it every commit is in the file and no run has it open, so it
    is read as it is (``immutable``: no lock, no shared-memory file); with one, a run is going
    (or ended abruptly) and SQLite reads through the log it left. Raises the
    :class:`omisync.state.StateError` the failure stands for (not SQLite, newer, foreign).
    """
    wal = path.with_name(f"{path.name}-wal")
    uri = f"{path.resolve().as_uri()}?mode=ro" + ("" if wal.exists() else "&immutable=1")
    memory = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    try:
        try:
            source = sqlite3.connect(uri, uri=True)
            try:
                source.backup(memory)
            finally:
                source.close()
        except sqlite3.Error as exc:
            raise (translate_sqlite_error(exc, path) or exc) from exc
        db = Database(memory)
        db.execute("PRAGMA foreign_keys = ON")
        older = bool(MIGRATIONS.applied(db)) and bool(MIGRATIONS.pending(db))
        copy = StateDB(db, path=None)
        with copy.transaction():
            migrate(db, path)
    except BaseException:
        memory.close()
        raise
    return copy, older


def omi_api_key(settings: OmiSettings) -> Secret:
    """The Omi key: ``omi.api_key``, else ``$OMI_API_KEY``. Raises
    :class:`omisync.omi.ConfigurationError` when there is none or it is not a developer key
    (the message never shows it)."""
    configured = settings.api_key
    source = "omi.api_key" if configured else f"${API_KEY_ENV}"
    try:
        key = resolve_api_key(configured.get_secret_value() if configured else None)
    except ConfigurationError as error:
        raise ConfigurationError(f"{source}: {error.message}") from None
    if key is None:
        raise ConfigurationError(
            f"no Omi API key: set omi.api_key in the config (e.g. api_key: ${{{API_KEY_ENV}}}) "
            f"or export {API_KEY_ENV}; create a key in the Omi app under Settings > Developer"
        )
    return key


class UnknownConnectorNameError(LookupError):
    """``--connector NAME`` names no configured connector; the message lists the names."""


class Session:
    """Everything one run needs. Use as a context manager.

    Entering takes the state DB's run lock (waiting up to ``lock_timeout`` seconds; raises
    :class:`omisync.state.StateLockedError` when another run holds it), opens the state DB
    (raises :class:`omisync.state.StateError` when it cannot) and builds the Omi client, whose
    rate limiter keeps its counts in the state DB.

    ``dry_run`` plans without writing anywhere: it reads a copy in memory of the state DB
    (:func:`state_copy`; an empty one when there is none), takes no lock and creates nothing;
    :attr:`notes` says what the user should know about it.
    ``client`` and ``checkpoint`` are injection points for tests. ``progress`` shows each
    connector's writes and the rate-limit waits on a terminal (see :mod:`omisync.progress`).
    ``stopper`` (:mod:`omisync.stopper`) stops a sync at its next safe point and cuts the Omi
    client's rate-limit and retry waits short; :meth:`sync` then raises
    :class:`omisync.stopper.StopRequested`.

    Every log line of :meth:`sync` carries ``connector`` and ``run_id`` (structlog context).

    ``peer_sides`` keeps connector sides between sessions (the daemon passes one dict per
    config, so a side's caches, e.g. the vault scan, outlive a cycle): :meth:`peer_side`
    reuses the side stored under a name and stores each one it builds.
    """

    def __init__(
        self,
        config: Config,
        *,
        dry_run: bool = False,
        confirm_deletes: bool = False,
        lock_timeout: float = 0.0,
        on_rate_wait: Callable[[WaitNotice], None] | None = None,
        client: OmiClient | None = None,
        checkpoint: Checkpoint | None = None,
        peer_sides: MutableMapping[str, Side] | None = None,
        progress: SyncProgress | None = None,
        stopper: Stopper | None = None,
    ) -> None:
        self.config = config
        self.dry_run = dry_run
        self.confirm_deletes = confirm_deletes
        self.lock_timeout = lock_timeout
        self.progress = progress
        self.on_rate_wait = _chained(on_rate_wait, progress.rate_wait if progress else None)
        self.stopper = stopper
        self.checkpoint = _chained(checkpoint, stopper.checkpoint if stopper else None)
        self.peer_sides = peer_sides
        self.zone = ZoneInfo(config.omi.timezone)
        self._client = client
        self._stack = ExitStack()
        self._state: StateDB | None = None
        self.notes: list[str] = []
        """What the user should know about the whole session (e.g. a dry run's state DB)."""

    # --- lifecycle ----------------------------------------------------------------------------

    def __enter__(self) -> Session:
        try:
            self._open()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stack.close()

    def _open(self) -> None:
        key = self._api_key()  # before anything is opened: a bad key changes nothing
        path = Path(self.config.state.path)
        if self.dry_run:
            self._state = self._stack.enter_context(self._dry_run_state(path))
        else:
            lock = RunLock(path, timeout=self.lock_timeout)
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._stack.enter_context(lock)
            self._state = self._stack.enter_context(StateDB.open(path))
            self._state.runs.abandon_unfinished()
        if self._client is None:
            self._client = self._stack.enter_context(self._make_client(self._state, key))

    def _dry_run_state(self, path: Path) -> StateDB:
        """What a dry run plans from: a copy in memory of the state DB (:func:`state_copy`),
        or an empty one when there is none yet. Either way the Omi rate limiter's counts start
        from what was spent and what the dry run spends stays in memory."""
        if not path.exists():
            return StateDB.in_memory()
        state, older = state_copy(path)
        if older:
            self.notes.append(
                f"the state DB {path} is from an older omisync; this dry run planned from an "
                "upgraded copy in memory (the file is unchanged; the next run without --dry-run "
                "upgrades it)"
            )
        return state

    def _api_key(self) -> Secret | None:
        """The Omi key (see :func:`omi_api_key`); None when a test injected the client."""
        if self._client is not None:
            return None
        return omi_api_key(self.config.omi)

    def _make_client(self, state: StateDB, key: Secret | None) -> OmiClient:
        settings = self.config.omi
        store = SqliteUsageStore(state.db)
        sleep = self.stopper.sleep if self.stopper else time.sleep
        limiter = RateLimiter(
            "omi",
            omi_rate_limits_for(settings),
            store=store,
            on_wait=self.on_rate_wait,
            sleep=sleep,
        )
        return OmiClient(
            settings.base_url,
            key,
            limiter=limiter,
            timeout=settings.timeout,
            retry=RetryPolicy(sleep=sleep),
        )

    # --- work -------------------------------------------------------------------------------

    @property
    def state(self) -> StateDB:
        """The open state DB (only inside ``with``)."""
        if self._state is None:
            raise RuntimeError("Session is not open; use it in a with block")
        return self._state

    @property
    def client(self) -> OmiClient:
        """The Omi client (only inside ``with``)."""
        if self._client is None:
            raise RuntimeError("Session is not open; use it in a with block")
        return self._client

    def connector_names(self, only: list[str] | None = None) -> list[str]:
        """The enabled connectors to sync, in config order; ``only`` narrows them by name.

        Raises :class:`UnknownConnectorNameError` when ``only`` names one not configured.
        """
        configured = self.config.connectors
        if only:
            unknown = [name for name in only if name not in configured]
            if unknown:
                names = ", ".join(configured) or "none"
                raise UnknownConnectorNameError(
                    f"no connector named {', '.join(map(repr, unknown))} in the config "
                    f"(configured: {names})"
                )
            return list(only)
        return [name for name, settings in configured.items() if settings.enabled]

    def peer_side(self, name: str) -> Side:
        """Build connector ``name``'s side from its config (or reuse it from ``peer_sides``).

        Raises :class:`omisync.plugins.UnknownConnectorError` /
        :class:`omisync.plugins.BrokenConnectorError` for a missing or broken plugin, and
        :class:`omisync.config.ConfigError` for bad options.
        """
        if self.peer_sides is not None and name in self.peer_sides:
            return self.peer_sides[name]
        settings: ConnectorSettings = self.config.connectors[name]
        factory = load_connector(settings.type)
        state_dir = Path(self.config.state.path).parent
        side = build_side(
            factory,
            name,
            settings.options,
            zone=self.zone,
            dry_run=self.dry_run,
            state_dir=state_dir,
        )
        if self.peer_sides is not None:
            self.peer_sides[name] = side
        return side

    def sync(self, name: str) -> ConnectorReport:
        """Sync connector ``name`` with Omi once — its inbox to Omi, tasks and notes, then
        Omi's conversations to it (:mod:`omisync.conversations`) — and return the report (item
        failures and listing failures are in the report, not raised).

        A connector that cannot be built (bad options, a broken plugin) raises, and unless
        ``dry_run`` its run is recorded as failed with the error first."""
        run_id = None if self.dry_run else self.next_run_id()
        with structlog.contextvars.bound_contextvars(connector=name, run_id=run_id):
            try:
                peer = self.peer_side(name)
            except Exception as error:
                if run_id is not None:
                    self._record_failure(name, error)
                raise
            return self._sync(name, peer, run_id)

    def _sync(self, name: str, peer: Side, run_id: int | None) -> ConnectorReport:
        settings = self.config.connectors[name]
        options = settings.sync_options(
            timezone=self.config.omi.timezone, confirm_deletes=self.confirm_deletes
        )
        omi = OmiSide(self.client, timezone=self.config.omi.timezone)
        checkpoint = self.checkpoint
        if self.progress is not None and not self.dry_run:
            # Count first: the daemon's checkpoint may raise at "committed" to stop.
            checkpoint = _chained(journal_checkpoint(self.state, name, self.progress), checkpoint)
        runner = Runner(
            self.state,
            omi,
            peer,
            options,
            connector=name,
            checkpoint=checkpoint,
        )
        conversations = ConversationFlows.for_peer(
            self.state,
            self.client,
            peer,
            settings.conversations,
            connector=name,
            dry_run=self.dry_run,
            checkpoint=checkpoint,
        )
        if conversations is not None:
            conversations.send_inbox()
        report = runner.run(dry_run=self.dry_run)
        if report.run_id != run_id:
            _log.warning("run_id.mismatch", logged_as=run_id, recorded_as=report.run_id)
        if conversations is not None:
            conversations.export()
        return ConnectorReport.combine(report, conversations.report if conversations else None)

    def _record_failure(self, name: str, error: Exception) -> None:
        """Record a run of ``name`` that failed before it could start syncing."""
        message = str(error) or type(error).__name__
        runs = self.state.runs
        runs.finish(runs.start(name), RunOutcome.FAILED, {}, [message.splitlines()[0]])

    def next_run_id(self) -> int:
        """The id the runner's run record is about to get: this session holds the run lock, so
        it alone adds runs, and run ids are never reused (the latest plus one)."""
        latest = self.state.runs.recent(1)
        return latest[0].run_id + 1 if latest else 1
