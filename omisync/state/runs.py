"""The ``runs`` table: one record per sync run, for ``omisync status`` and the logs."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from omisync.state._codec import decode_json, decode_time, encode_json, encode_time
from omisync.state.errors import StateUsageError, UnknownRecordError

if TYPE_CHECKING:
    from omisync.state.database import StateDB


class RunOutcome(StrEnum):
    """How a run ended."""

    OK = "ok"
    """Everything planned was done."""
    PARTIAL = "partial"
    """Finished, but some items failed or were refused (retried next run)."""
    FAILED = "failed"
    """Stopped by an error before finishing (e.g. a service could not be read)."""
    INTERRUPTED = "interrupted"
    """Stopped by a signal after the batch in flight."""
    ABANDONED = "abandoned"
    """Never finished: its process died (found by :meth:`Runs.abandon_unfinished`)."""


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One run; ``connector`` is None for a whole run, ``finished_at`` None while running.

    ``problems`` are what the run's listings or writes could not use or do without failing
    (a file being edited, an unreadable note), for the user; not errors.
    """

    run_id: int
    connector: str | None
    pid: int
    started_at: datetime
    finished_at: datetime | None
    outcome: RunOutcome | None
    counts: dict[str, int]
    errors: list[Any]
    duration_s: float | None
    problems: list[str] = field(default_factory=list)


_RUN_COLUMNS = (
    "run_id, connector, pid, started_at, finished_at, outcome, counts, errors, duration_s, problems"
)


class Runs:
    """Start, finish and look up run records."""

    def __init__(self, state: StateDB) -> None:
        self._state = state

    def start(self, connector: str | None = None) -> int:
        """Record a run starting now in this process; return its ``run_id`` (committed)."""
        with self._state.transaction():
            cursor = self._state.db.conn.execute(
                "INSERT INTO runs (connector, pid, started_at) VALUES (?, ?, ?) RETURNING run_id",
                (connector, os.getpid(), encode_time(self._state.now())),
            )
            run_id: int = cursor.fetchone()[0]
        return run_id

    def finish(
        self,
        run_id: int,
        outcome: RunOutcome,
        counts: Mapping[str, int] | None = None,
        errors: Sequence[Any] = (),
        problems: Sequence[str] = (),
    ) -> RunRecord:
        """Record how run ``run_id`` ended; return the finished record.

        ``counts`` (e.g. ``{"created": 3}``), ``errors`` (JSON-able: messages or dicts; no
        secrets) and ``problems`` (messages) are stored as JSON; the duration is measured by
        the DB's clock. Raises :class:`UnknownRecordError`, or :class:`StateUsageError` if it
        already finished.
        """
        with self._state.transaction():
            record = self.get(run_id)
            if record.finished_at is not None:
                raise StateUsageError(f"Run {run_id} already finished ({record.outcome})")
            finished_at = self._state.now()
            self._state.db.conn.execute(
                "UPDATE runs SET finished_at = ?, outcome = ?, counts = ?, errors = ?, "
                "duration_s = ?, problems = ? WHERE run_id = ?",
                (
                    encode_time(finished_at),
                    RunOutcome(outcome).value,
                    encode_json(dict(counts or {})),
                    encode_json(list(errors)),
                    (finished_at - record.started_at).total_seconds(),
                    encode_json(list(problems)),
                    run_id,
                ),
            )
        return self.get(run_id)

    def get(self, run_id: int) -> RunRecord:
        """Return one run; raises :class:`UnknownRecordError` if there is none."""
        rows = self._state.fetch(f"SELECT {_RUN_COLUMNS} FROM runs WHERE run_id = ?", (run_id,))
        if not rows:
            raise UnknownRecordError(f"There is no run {run_id}")
        return _run_from_row(rows[0])

    def last(self, connector: str | None = None) -> RunRecord | None:
        """The latest run of ``connector`` (None: the latest whole run), finished or not."""
        rows = self._state.fetch(
            f"SELECT {_RUN_COLUMNS} FROM runs WHERE connector IS ? ORDER BY run_id DESC LIMIT 1",
            (connector,),
        )
        return _run_from_row(rows[0]) if rows else None

    def recent(self, limit: int = 20) -> list[RunRecord]:
        """The latest ``limit`` runs of any connector, newest first."""
        rows = self._state.fetch(
            f"SELECT {_RUN_COLUMNS} FROM runs ORDER BY run_id DESC LIMIT ?", (limit,)
        )
        return [_run_from_row(row) for row in rows]

    def abandon_unfinished(self) -> int:
        """Mark every unfinished run as :attr:`RunOutcome.ABANDONED`; return how many.

        Call it while holding the :class:`RunLock`, before starting a run: holding the lock
        proves no other run is alive, so an unfinished record belongs to a dead process.
        """
        with self._state.transaction():
            cursor = self._state.db.conn.execute(
                "UPDATE runs SET outcome = ?, finished_at = ? WHERE finished_at IS NULL",
                (RunOutcome.ABANDONED.value, encode_time(self._state.now())),
            )
        return cursor.rowcount


def _run_from_row(row: tuple[Any, ...]) -> RunRecord:
    return RunRecord(
        run_id=row[0],
        connector=row[1],
        pid=row[2],
        started_at=decode_time(row[3]),
        finished_at=None if row[4] is None else decode_time(row[4]),
        outcome=None if row[5] is None else RunOutcome(row[5]),
        counts={} if row[6] is None else decode_json(row[6]),
        errors=[] if row[7] is None else decode_json(row[7]),
        duration_s=row[8],
        problems=[] if row[9] is None else decode_json(row[9]),
    )
