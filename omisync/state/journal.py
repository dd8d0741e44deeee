"""The write journal: intents committed *before* a remote write, settled after it.

The runner records what it is about to write (:meth:`Journal.intend`), which commits before
returning; then calls the API; then marks the entry done in the same transaction that saves
the link. After a crash, :meth:`Journal.pending` lists the writes whose outcome is unknown, and
the runner reconciles them (looks the item up by its stamp) instead of writing twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from omisync.state._codec import decode_json, decode_time, encode_json, encode_time
from omisync.state.errors import StateUsageError, UnknownRecordError
from omisync.state.sides import SideName

if TYPE_CHECKING:
    from omisync.state.database import StateDB

#: Longest error text kept per entry; the rest is cut (the run's log has the whole story).
MAX_ERROR_CHARS = 2000


class JournalOp(StrEnum):
    """The remote write an entry stands for."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


class JournalStatus(StrEnum):
    """Where a journal entry stands."""

    PENDING = "pending"
    """Intended; the remote write may or may not have happened."""
    DONE = "done"
    """The remote write happened and its result is committed."""
    FAILED = "failed"
    """The remote write is known not to have happened (the service refused it)."""


@dataclass(frozen=True, slots=True)
class Intent:
    """A remote write about to be made.

    ``payload`` is the JSON-able body (or changed fields); ``item_id`` is the target's id on
    ``side`` (None for a create, filled by :meth:`Journal.mark_done`); ``stamp`` is a marker put
    into the created item so an interrupted create can be found again.
    """

    connector: str
    kind: str
    side: SideName
    op: JournalOp
    payload: dict[str, Any]
    link_id: str | None = None
    item_id: str | None = None
    stamp: str | None = None


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """A stored :class:`Intent` with its progress; ``attempts`` counts failed tries."""

    entry_id: int
    run_id: int | None
    connector: str
    kind: str
    side: SideName
    op: JournalOp
    link_id: str | None
    item_id: str | None
    payload: dict[str, Any]
    stamp: str | None
    status: JournalStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    updated_at: datetime


_ENTRY_COLUMNS = (
    "entry_id, run_id, connector, kind, side, op, link_id, item_id, payload, stamp, status, "
    "attempts, last_error, created_at, updated_at"
)
_INSERT = (
    "INSERT INTO journal (run_id, connector, kind, side, op, link_id, item_id, payload, stamp, "
    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING entry_id"
)


class Journal:
    """The ``journal`` table."""

    def __init__(self, state: StateDB) -> None:
        self._state = state

    def intend(self, intents: Iterable[Intent], *, run_id: int | None = None) -> list[int]:
        """Record ``intents`` as pending and commit; return their entry ids, in order.

        The entries are durable when this returns, so it refuses to run inside
        :meth:`StateDB.transaction` (:class:`StateUsageError`), where a rollback could undo them
        after the remote write was made. Raises :class:`UnknownRecordError` for an unknown
        ``run_id``, and TypeError/ValueError (nothing recorded) for a payload that is not JSON.
        """
        if self._state.in_transaction:
            raise StateUsageError(
                "journal.intend() must commit before the remote write, so it cannot run inside "
                "StateDB.transaction(); call it before opening the transaction"
            )
        now = encode_time(self._state.now())
        conn = self._state.db.conn
        ids: list[int] = []
        if run_id is not None:
            self._state.runs.get(run_id)  # raises UnknownRecordError naming the run
        with self._state.transaction():
            for intent in intents:
                params = (
                    run_id,
                    intent.connector,
                    intent.kind,
                    SideName(intent.side).value,
                    JournalOp(intent.op).value,
                    intent.link_id,
                    intent.item_id,
                    encode_json(intent.payload),
                    intent.stamp,
                    now,
                    now,
                )
                ids.append(conn.execute(_INSERT, params).fetchone()[0])
        return ids

    def mark_done(self, entry_id: int, *, item_id: str | None = None) -> None:
        """Mark the entry done, recording ``item_id`` (the created item's id) when given.

        Call it in the transaction that saves the link, so both commit together. Accepted for
        a pending, failed (found after all) or done entry. Raises :class:`UnknownRecordError`.
        """
        self._settle(
            entry_id,
            "status = 'done', item_id = coalesce(?, item_id)",
            (item_id,),
            allowed=(JournalStatus.PENDING, JournalStatus.DONE, JournalStatus.FAILED),
            verb="mark it done",
        )

    def mark_failed(self, entry_id: int, error: str) -> None:
        """Mark the entry failed: the remote write is known not to have happened.

        Counts an attempt and keeps ``error`` (cut to :data:`MAX_ERROR_CHARS`). Raises
        :class:`UnknownRecordError`, or :class:`StateUsageError` if the entry is done.
        """
        self._settle(
            entry_id,
            "status = 'failed', attempts = attempts + 1, last_error = ?",
            (error[:MAX_ERROR_CHARS],),
            allowed=(JournalStatus.PENDING, JournalStatus.FAILED),
            verb="mark it failed",
        )

    def record_attempt(self, entry_id: int, error: str) -> None:
        """Count a try whose outcome is unknown (e.g. a timeout); the entry stays pending.

        The next run reconciles it. Raises :class:`UnknownRecordError`, or
        :class:`StateUsageError` if the entry is not pending.
        """
        self._settle(
            entry_id,
            "attempts = attempts + 1, last_error = ?",
            (error[:MAX_ERROR_CHARS],),
            allowed=(JournalStatus.PENDING,),
            verb="record an attempt",
        )

    def get(self, entry_id: int) -> JournalEntry:
        """Return one entry; raises :class:`UnknownRecordError` if there is none."""
        rows = self._state.fetch(
            f"SELECT {_ENTRY_COLUMNS} FROM journal WHERE entry_id = ?", (entry_id,)
        )
        if not rows:
            raise UnknownRecordError(f"There is no journal entry {entry_id}")
        return _entry_from_row(rows[0])

    def pending(self, connector: str | None = None) -> list[JournalEntry]:
        """Entries still pending (outcome unknown), oldest first, for one connector or all."""
        return self.entries(connector, status=JournalStatus.PENDING)

    def entries(
        self, connector: str | None = None, *, status: JournalStatus | None = None
    ) -> list[JournalEntry]:
        """Entries, oldest first, filtered by connector and status when given."""
        conditions: list[str] = []
        params: list[str] = []
        if connector is not None:
            conditions.append("connector = ?")
            params.append(connector)
        if status is not None:
            conditions.append("status = ?")
            params.append(JournalStatus(status).value)
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        rows = self._state.fetch(
            f"SELECT {_ENTRY_COLUMNS} FROM journal{where} ORDER BY entry_id", params
        )
        return [_entry_from_row(row) for row in rows]

    def prune(self, settled_before: datetime) -> int:
        """Delete done and failed entries last updated before ``settled_before``; return count."""
        with self._state.transaction():
            cursor = self._state.db.conn.execute(
                "DELETE FROM journal WHERE status != 'pending' AND updated_at < ?",
                (encode_time(settled_before),),
            )
        return cursor.rowcount

    def _settle(
        self,
        entry_id: int,
        assignments: str,
        params: tuple[Any, ...],
        *,
        allowed: tuple[JournalStatus, ...],
        verb: str,
    ) -> None:
        placeholders = ", ".join("?" for _ in allowed)
        with self._state.transaction():
            cursor = self._state.db.conn.execute(
                f"UPDATE journal SET {assignments}, updated_at = ? "
                f"WHERE entry_id = ? AND status IN ({placeholders})",
                (*params, encode_time(self._state.now()), entry_id, *allowed),
            )
            if cursor.rowcount == 1:
                return
        status = self.get(entry_id).status  # raises UnknownRecordError when missing
        raise StateUsageError(f"Journal entry {entry_id} is {status}; cannot {verb}")


def _entry_from_row(row: tuple[Any, ...]) -> JournalEntry:
    return JournalEntry(
        entry_id=row[0],
        run_id=row[1],
        connector=row[2],
        kind=row[3],
        side=SideName(row[4]),
        op=JournalOp(row[5]),
        link_id=row[6],
        item_id=row[7],
        payload=decode_json(row[8]),
        stamp=row[9],
        status=JournalStatus(row[10]),
        attempts=row[11],
        last_error=row[12],
        created_at=decode_time(row[13]),
        updated_at=decode_time(row[14]),
    )
